import { LfadsError } from "../core/errors.js";

/** A PBT that cannot go on (every member failed, the best member could not be sampled). */
export class PbtError extends LfadsError {}
