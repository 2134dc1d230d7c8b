/**
 * Errors of the sweep runner. Missing or unprepared run folders are `LayoutError`s and inputs that no
 * longer match their data hash are `DataError`s (src/core/errors.ts); everything about the Slurm
 * installation, its partitions and sbatch's answers is a `SlurmError`.
 */
import { LfadsError } from "../core/errors.js";

/** Slurm is missing, unreachable, or refused a request; the message says what to load, pick or fix. */
export class SlurmError extends LfadsError {}
