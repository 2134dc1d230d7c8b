/**
 * One switch point between a fused implementation of an op (the WebAssembly-SIMD kernels of
 * src/kernels) and the composite tfjs reference. Each op module owns one slot; implementations.ts
 * lists them all in one typed registry, which backend.ts fills when it picks a backend.
 */
import * as tf from "@tensorflow/tfjs";

/** What every backend-bound implementation says about itself. */
export interface BackendBound {
  readonly name: string;
  /** True if it may run for tensors of this tfjs backend ("wasm", "cpu", …). */
  supportsBackend(backendName: string): boolean;
}

/** The implementation installed for one op; null means the composite reference. */
export class ImplementationSlot<I> {
  private current: I | null = null;

  constructor(readonly op: string) {}

  /** Install `impl` (null: the composite reference). Returns the previous one. */
  set(impl: I | null): I | null {
    const prev = this.current;
    this.current = impl;
    return prev;
  }

  get installed(): I | null {
    return this.current;
  }
}

/** A slot whose implementations run on some tfjs backends only (the others take the composite path). */
export class BackendImplementationSlot<I extends BackendBound> extends ImplementationSlot<I> {
  /** The installed implementation when it supports the active backend, else null (composite). */
  active(): I | null {
    const impl = this.installed;
    return impl && impl.supportsBackend(tf.getBackend()) ? impl : null;
  }

  /** Name of the implementation the op runs now: the active one's, or "composite". */
  activeName(): string {
    return this.active()?.name ?? "composite";
  }
}
