/**
 * The typed registry of implementation choice: every op that has a fused implementation besides its
 * composite tfjs reference, by name, with the implementation type it takes. backend.ts installs one
 * set for the chosen backend (`installImplementations`). Each slot lives beside its op (which never
 * imports this registry), with a typed setter there for swapping that one op (tests, benchmarks).
 */
import type { ImplementationSlot } from "./implementation-slot.js";
import { coupledDecoderSlot, type CoupledDecoderImpl } from "./coupled-decoder.js";
import { gruSlot, type GruRecurrenceImpl } from "./gru-recurrence.js";
import { poissonReadoutSlot, type PoissonReadoutImpl } from "./poisson-readout.js";
import { dropoutMaskSlot, type MaskGenerator } from "../noise.js";

/** One implementation for every op with a switch point (a fused set, e.g. the WebAssembly-SIMD kernels). */
export interface ImplementationSet {
  /** Every GRU recurrence (encoders, and the decoder's loop where it is not coupled). */
  readonly gru: GruRecurrenceImpl;
  /** The decoder's controller + generator loop as one op. */
  readonly coupledDecoder: CoupledDecoderImpl;
  /** Factors → log-rates → Poisson log-likelihood as one op. */
  readonly poissonReadout: PoissonReadoutImpl;
  /** The dropout masks' generator (the same values on every backend). */
  readonly dropoutMask: MaskGenerator;
}

/** Names of the ops with a switch point. */
type ImplementedOp = keyof ImplementationSet;

const SLOTS: { readonly [K in ImplementedOp]: ImplementationSlot<ImplementationSet[K]> } = {
  gru: gruSlot,
  coupledDecoder: coupledDecoderSlot,
  poissonReadout: poissonReadoutSlot,
  dropoutMask: dropoutMaskSlot,
};

const IMPLEMENTED_OPS = Object.keys(SLOTS) as ImplementedOp[];

function setImplementation<K extends ImplementedOp>(op: K, impl: ImplementationSet[K] | null): void {
  (SLOTS[op] as ImplementationSlot<ImplementationSet[K]>).set(impl);
}

/** Install `set` for every op at once; null puts every op on its composite reference. */
export function installImplementations(set: ImplementationSet | null): void {
  for (const op of IMPLEMENTED_OPS) setImplementation(op, set ? set[op] : null);
}
