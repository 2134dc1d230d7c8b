/**
 * decoder.c's DecArgs: the argument block, one 32-bit word per field (arena pointers, sizes, flags and
 * the clip value), that every decoder kernel call reads its operands from.
 */
import { ParamError } from "../core/errors.js";
import { kernelRuntime } from "./runtime.js";

/** The word order of decoder.c's DecArgs. */
const FIELDS = [
  ..."B T C G U F fb mode restFull clip".split(" "),
  ..."ab rest k0 s0 eps mfb mgen".split(" "),
  ..."cPru cPc gPru gPc pPost bPost pFac".split(" "),
  ..."k s f mv u cg gg fbIn".split(" "),
  ..."dS dF dK dMV dU".split(" "),
  ..."cPruT cPcT gPruT gPcT pFbT pPostT pGuT pFacT".split(" "),
  ..."dXc dXg dMVt dFt dk0 ds0 dfb0".split(" "),
] as const;
export type Field = (typeof FIELDS)[number];

/** Writes an argument block into the kernels' memory (missing pointers are 0). */
export function writeArgs(values: Partial<Record<Field, number>>): number {
  const { arena, exports: ex, memory } = kernelRuntime();
  if (ex.dec_args_words() !== FIELDS.length) throw new ParamError(`decoder kernels: gru.wasm's DecArgs has ${ex.dec_args_words()} words, decoder.ts writes ${FIELDS.length}; rebuild with scripts/build-wasm.sh`);
  const p = arena.alloc(FIELDS.length);
  const i32 = new Int32Array(memory.buffer, p, FIELDS.length);
  const f32 = new Float32Array(memory.buffer, p, FIELDS.length);
  FIELDS.forEach((name, i) => {
    if (name === "clip") f32[i] = values.clip ?? 0;
    else i32[i] = values[name] ?? 0;
  });
  return p;
}

/** The arena blocks of a pointer record. */
export function blocks(ptr: Partial<Record<Field, number>>): number[] {
  return Object.values(ptr).filter((v): v is number => v !== undefined);
}
