/**
 * The Run Manager's param/data hashes, bit-for-bit: MD5 over the byte stream of MATLAB DataHash
 * ("array" mode, HashVersion 4, AutoDownsizeIntegers) of a 1×1 struct holding the non-default
 * properties, base64 with `/`→`_` and `+`→`-`, first 6 characters.
 */
import { createHash } from "node:crypto";
import type { MatlabClass } from "./table.js";

/** A value tagged with the MATLAB class it would have: the class name and byte width are hashed. */
export type MatlabValue =
  | { cls: "double" | "uint16" | "uint32" | "int16" | "int32"; data: readonly number[]; dims?: readonly number[] }
  | { cls: "logical"; data: readonly boolean[]; dims?: readonly number[] }
  | { cls: "char"; text: string }
  | { cls: "cell"; items: readonly MatlabValue[] }
  | { cls: "struct"; fields: ReadonlyMap<string, MatlabValue> };

const BYTES: Record<string, number> = { double: 8, uint16: 2, uint32: 4, int16: 2, int32: 4 };

class ByteSink {
  private chunks: Buffer[] = [];
  push(b: Buffer): void {
    this.chunks.push(b);
  }
  ascii(s: string): void {
    this.push(Buffer.from(s, "latin1"));
  }
  u64(values: readonly number[]): void {
    const b = Buffer.alloc(8 * values.length);
    values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 8 * i));
    this.push(b);
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** MATLAB's AutoDownsizeIntegers: never narrower than 16 bits; empty arrays untouched. */
function downsize(v: Extract<MatlabValue, { data: readonly number[] }>): typeof v {
  if (v.data.length === 0) return v;
  const max = Math.max(...v.data);
  const min = Math.min(...v.data);
  if (v.cls === "uint32" && max <= 65535) return { ...v, cls: "uint16" };
  if (v.cls === "int32" && min >= -32768 && max <= 32767) return { ...v, cls: "int16" };
  return v;
}

function header(sink: ByteSink, cls: string, dims: readonly number[]): void {
  sink.ascii(cls);
  sink.u64([dims.length, ...dims]);
}

function rowDims(n: number): number[] {
  return n === 0 ? [0, 0] : [1, n];
}

function coreHash(sink: ByteSink, v: MatlabValue): void {
  switch (v.cls) {
    case "struct": {
      header(sink, "struct", [1, 1]);
      // MATLAB sort on a cellstr: plain code-point order (uppercase before lowercase).
      const names = [...v.fields.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const name of names) {
        sink.ascii(name);
        coreHash(sink, v.fields.get(name)!);
      }
      return;
    }
    case "cell":
      header(sink, "cell", rowDims(v.items.length));
      for (const item of v.items) coreHash(sink, item);
      return;
    case "char": {
      header(sink, "char", rowDims(v.text.length));
      const b = Buffer.alloc(2 * v.text.length);
      for (let i = 0; i < v.text.length; i++) b.writeUInt16LE(v.text.charCodeAt(i), 2 * i);
      sink.push(b);
      return;
    }
    case "logical":
      header(sink, "logical", v.dims ?? rowDims(v.data.length));
      sink.push(Buffer.from(v.data.map((x) => (x ? 1 : 0))));
      return;
    default: {
      const d = downsize(v);
      header(sink, d.cls, d.dims ?? rowDims(d.data.length));
      const w = BYTES[d.cls]!;
      const b = Buffer.alloc(w * d.data.length);
      d.data.forEach((x, i) => {
        if (d.cls === "double") b.writeDoubleLE(x, 8 * i);
        else if (d.cls === "uint16") b.writeUInt16LE(x, 2 * i);
        else if (d.cls === "uint32") b.writeUInt32LE(x, 4 * i);
        else if (d.cls === "int16") b.writeInt16LE(x, 2 * i);
        else b.writeInt32LE(x, 4 * i);
      });
      sink.push(b);
    }
  }
}

/** The exact bytes MATLAB's DataHash feeds to MD5 for `v`. */
export function dataHashBytes(v: MatlabValue): Buffer {
  const sink = new ByteSink();
  coreHash(sink, v);
  return sink.bytes();
}

/** 6-character Run Manager hash of a MATLAB value (usually a struct). */
export function matlabHash6(v: MatlabValue): string {
  const digest = createHash("md5").update(dataHashBytes(v)).digest("base64");
  return digest.replace(/\//g, "_").replace(/\+/g, "-").slice(0, 6);
}

/** Tag a property value with its declared MATLAB class (numbers in cells are doubles, true/false logical scalars). */
export function toMatlabValue(cls: MatlabClass, value: unknown): MatlabValue {
  switch (cls) {
    case "logical":
      return { cls: "logical", data: [Boolean(value)] };
    case "char":
      return { cls: "char", text: String(value) };
    case "cell":
      return {
        cls: "cell",
        items: (value as readonly (string | number | boolean)[]).map((x): MatlabValue =>
          typeof x === "string" ? { cls: "char", text: x } : typeof x === "boolean" ? { cls: "logical", data: [x] } : { cls: "double", data: [x] },
        ),
      };
    default:
      return { cls, data: Array.isArray(value) ? (value as number[]) : [value as number] };
  }
}
