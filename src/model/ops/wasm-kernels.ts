/**
 * Faster Slice / Unpack / SplitV kernels for the wasm backend.
 *
 * Why: tfjs-backend-wasm 4.22's Slice reads its input with `readSync`, which copies the *whole* input
 * out of the wasm heap for every slice. Taking one time step out of a [B,T,H] tensor then costs O(B·T·H)
 * instead of O(B·H): 500 steps of a [150,500,64] tensor took ~3.4 s (measured). Unpack and SplitV call
 * that Slice directly. These replacements read through a heap *view* and copy only the slice.
 * The output is allocated before the view is taken, because an allocation may grow (and detach) the heap.
 *
 * Identity: the engine clones (Identity) every tensor it saves for backprop; the wasm kernel copies
 * the data, so a taped loop holds two copies of everything (the controller loop at T = 500 ran the
 * 32-bit wasm heap out of memory: ~11 MB per step). Tensors are immutable, so the replacement shares
 * the buffer and counts a reference, as wasm's own Reshape and the cpu backend's Identity do.
 *
 * BatchMatMul: with transposeA or transposeB the wasm kernel is 7–15× slower than without (measured:
 * [75000,64]ᵀ·[75000,128] 1.1–2.5 s vs 0.16 s with an explicit Transpose first). Every matmul gradient
 * uses a transposed operand, so the wrapper transposes explicitly and calls the original kernel.
 */
import * as tf from "@tensorflow/tfjs";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

/** Rows at least this long are copied with one `set` (typed-array copy); shorter ones by a loop. */
const ROW_COPY_MIN = 16;

/** Copy the box `begin..begin+size` of `x` into a new output tensor (row by row along the last axis). */
function sliceInto(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const outV = backend.typedArrayFromHeap(out);
  const xV = backend.typedArrayFromHeap(x);
  if (outV.length === 0) return out;
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = tf.slice_util.computeFlatOffset(begin, strides);
    outV.set(xV.subarray(off, off + outV.length));
    return out;
  }
  const rank = x.shape.length;
  const last = size[rank - 1]!;
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  const rows = outV.length / last;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let off = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) off += (begin[d]! + idx[d]!) * strides[d]!;
    // Short rows element by element: a subarray per row costs more than the copy (measured: slicing
    // [150,500,4] took ~4 ms with one subarray + set per row).
    if (last < ROW_COPY_MIN) for (let j = 0; j < last; j++) outV[o + j] = xV[off + j]!;
    else outV.set(xV.subarray(off, off + last), o);
    o += last;
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

const sliceKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = (inputs as tf.NamedTensorInfoMap)["x"]!;
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  return sliceInto(backend as WasmBackendLike, x, b, s);
};

const unpackKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const value = (inputs as tf.NamedTensorInfoMap)["value"]!;
  let axis = (attrs as unknown as { axis: number }).axis;
  if (axis < 0) axis += value.shape.length;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(value.shape.length).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]!; i++) {
    begin[axis] = i;
    const o = sliceInto(backend as WasmBackendLike, value, begin, size);
    outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
  }
  return outs;
};

const splitVKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = (inputs as tf.NamedTensorInfoMap)["x"]!;
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[ax] = s;
    const o = sliceInto(backend as WasmBackendLike, x, begin, size);
    begin[ax]! += s;
    return o;
  });
};

function sharedIdentity(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as tf.NamedTensorInfoMap)["x"]!;
    if (x.dtype === "string") return original(args);
    (args.backend as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function matMulWithExplicitTranspose(original: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const backend = args.backend as WasmBackendLike & { disposeData(dataId: tf.DataId): void };
    const inputs = args.inputs as tf.NamedTensorInfoMap;
    const temps: tf.TensorInfo[] = [];
    const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
      const r = x.shape.length;
      const perm = Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
      const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      temps.push(t);
      return t;
    };
    const a = attrs.transposeA ? swapLast(inputs["a"]!) : inputs["a"]!;
    const b = attrs.transposeB ? swapLast(inputs["b"]!) : inputs["b"]!;
    const out = original({ ...args, inputs: { a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

let installed = false;

/** Replace the wasm Slice/Unpack/SplitV/Identity kernels and wrap BatchMatMul (idempotent; call once the wasm backend is active). */
export function installWasmKernels(): void {
  if (installed) return;
  const kernels: [string, tf.KernelFunc][] = [
    ["Slice", sliceKernel],
    ["Unpack", unpackKernel],
    ["SplitV", splitVKernel],
  ];
  const identity = tf.getKernel("Identity", "wasm");
  if (identity) kernels.push(["Identity", sharedIdentity(identity.kernelFunc)]);
  const matMul = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (matMul && transpose) kernels.push(["BatchMatMul", matMulWithExplicitTranspose(matMul.kernelFunc, transpose.kernelFunc)]);
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, "wasm")) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  installed = true;
}
