/**
 * The CSV lines lfads-ts writes (fitlog_diagnostics.csv): one parser for every room that reads them
 * (training's resume and fitness, the posterior readers).
 */
import { DataError } from "./errors.js";

/** Split one CSV line into fields ("…" quoting with doubled quotes inside). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new DataError(`unterminated quoted field in CSV line: ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
    } else {
      const c = line.indexOf(",", i);
      out.push(line.slice(i, c < 0 ? undefined : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    if (line[i] !== ",") throw new DataError(`expected a comma after a quoted field at character ${i + 1} of CSV line: ${line}`);
    i++;
  }
}

/** A number as our CSV files write it: nan, inf, -inf understood; an empty field is NaN. */
export function parseCsvNumber(s: string | undefined): number {
  const t = (s ?? "").trim().toLowerCase();
  if (t === "inf" || t === "+inf") return Infinity;
  if (t === "-inf") return -Infinity;
  return t === "" ? NaN : Number(t);
}
