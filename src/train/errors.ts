import { LfadsError } from "../core/errors.js";

/** Training produced a non-finite cost or gradient; the message names the step and the last good checkpoint. */
export class TrainingDivergedError extends LfadsError {
  constructor(message: string, readonly step: number, readonly lastCheckpoint: string | undefined) {
    super(message);
  }
}
