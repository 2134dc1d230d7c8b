/**
 * The bridge between tfjs tensors and the fused kernels' plain Float32Arrays, without extra copies.
 *
 * Why: `dataSync()` on the wasm backend copies a tensor out of its heap, and `tf.tensor(array)` copies
 * the array back in; the kernels then copy each into their own memory and out again. For the seed
 * configuration's [150,500,64] states that is four copies of 19 MB per tensor per step, plus the
 * garbage they leave (measured: ~100 ms of a 1.6 s training step in `readSync`, `move` and the
 * collector). Here a kernel reads an input straight from the wasm heap (one copy into its memory)
 * and writes an output straight into a freshly allocated tensor (one copy out).
 *
 * Rule for callers: a heap view is valid only until the next tfjs allocation (an allocation may grow
 * the heap, which detaches every view; a detached view has length 0, so a kernel's length check
 * fails loudly rather than reading garbage). Take views last, use them at once, keep none.
 */
import * as tf from "@tensorflow/tfjs";

interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface EngineInternals {
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor;
  isTapeOn(): boolean;
  runKernelFunc(params: {
    forwardFunc: (backend: tf.KernelBackend, save: tf.GradSaveFunc) => tf.Tensor[];
    backwardsFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor | tf.Tensor[];
}

const engine = (): EngineInternals => tf.engine() as unknown as EngineInternals;

/** The wasm backend when it is active (the only one whose tensors live in one heap we can view). */
function heapBackend(): HeapBackend | undefined {
  return tf.getBackend() === "wasm" ? (tf.backend() as unknown as HeapBackend) : undefined;
}

/** True while a gradient tape records (inside `tf.grads`/`variableGrads`). */
export function isTapeOn(): boolean {
  return engine().isTapeOn();
}

/**
 * A float32 tensor's values without a copy where the backend allows it: a view of the wasm heap
 * (valid until the next tfjs allocation, see the module doc), the cpu backend's own array; a copy
 * (`dataSync`) elsewhere. Never write to it.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") throw new TypeError(`hostValues: expected a float32 tensor, got ${t.dtype}`);
  const heap = heapBackend();
  return heap ? heap.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/**
 * New float32 tensors of the given shapes, filled in place by `fill` (which receives one writable
 * array per shape, in order). On the wasm backend the arrays are views of the new tensors' heap
 * memory, taken after every tensor is allocated, so `fill` may also take `hostValues` of inputs;
 * it must not allocate tensors itself.
 */
export function tensorsFilledBy(shapes: readonly (readonly number[])[], fill: (out: Float32Array[]) => void): tf.Tensor[] {
  const heap = heapBackend();
  if (!heap) {
    const arrays = shapes.map((s) => new Float32Array(tf.util.sizeFromShape([...s])));
    fill(arrays);
    return arrays.map((a, i) => tf.tensor(a, [...shapes[i]!], "float32"));
  }
  const backend = tf.backend();
  const tensors = shapes.map((s) => engine().makeTensorFromTensorInfo(heap.makeOutput([...s], "float32"), backend));
  try {
    fill(tensors.map((t) => heap.typedArrayFromHeap(t)));
  } catch (e) {
    for (const t of tensors) t.dispose();
    throw e;
  }
  return tensors;
}

/**
 * A differentiable op with several outputs (tfjs's `customGrad` allows one): `forward` computes the
 * outputs from the inputs and returns them with `backward`, which maps one gradient per output
 * (zeros where an output does not reach the loss) to one gradient per input. Recorded on the tape
 * like any kernel; nothing is recorded inside `forward`.
 *
 * Tensors that backward reads must be passed to `save` in forward and read from `saved` in backward:
 * `tf.grads` disposes the forward pass's intermediate tensors (this op's inputs among them) before
 * backpropagating.
 */
export function multiOutputOp(
  inputs: readonly tf.Tensor[],
  forward: (inputs: readonly tf.Tensor[], save: (tensors: tf.Tensor[]) => void) => { outputs: tf.Tensor[]; backward: (dys: tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[] },
): tf.Tensor[] {
  let backward: ((dys: tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[]) | undefined;
  const inputMap: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => (inputMap[i] = t));
  const out = engine().runKernelFunc({
    forwardFunc: (_backend, save) => {
      const r = forward(inputs, save);
      backward = r.backward;
      return r.outputs;
    },
    backwardsFunc: (dys, saved) => {
      const grads = backward!(Array.isArray(dys) ? dys : [dys], saved ?? []);
      if (grads.length !== inputs.length) throw new Error(`multiOutputOp: backward returned ${grads.length} gradients for ${inputs.length} inputs`);
      const map: Record<string, () => tf.Tensor> = {};
      grads.forEach((g, i) => (map[i] = () => g));
      return map;
    },
    inputs: inputMap,
  });
  return Array.isArray(out) ? out : [out];
}
