/**
 * MATLAB `format short` text of property values, as MATLAB's object display prints them (the
 * RunParams display of the Run Manager docs): `0.0100`, `1.0000e-03`, `200`, `'poisson'`, `1`, `{}`.
 */
import type { MatlabClass, ParamValue } from "../params/table.js";

/** One MATLAB double as `format short` shows a scalar. */
export function matlabShort(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  // Integer-valued doubles print without decimals up to 9 digits; larger ones switch to e-notation.
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x === 0 ? 0 : x);
  const a = Math.abs(x);
  // Fixed point with 4 decimals only strictly inside (0.001, 1000): the docs show 1e-3 as 1.0000e-03.
  if (a > 1e-3 && a < 1e3 && Number(a.toFixed(4)) < 1e3) return x.toFixed(4);
  const [mant, exp] = x.toExponential(4).split("e") as [string, string];
  const e = Number(exp);
  return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** A property value the way MATLAB's object display prints it, given the property's MATLAB class. */
export function matlabDisplay(cls: MatlabClass, value: ParamValue): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) {
    const items = value as readonly (string | number | boolean)[];
    if (cls === "cell") return items.length === 0 ? "{}" : `{1x${items.length} cell}`;
    if (items.length === 0) return "[]";
    return items.length < 6 ? `[${items.map((v) => (typeof v === "number" ? matlabShort(v) : `'${v}'`)).join(" ")}]` : `[1x${items.length} double]`;
  }
  const n = value as number;
  return cls === "double" ? matlabShort(n) : String(n);
}
