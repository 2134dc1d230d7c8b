/**
 * Posterior (and prior) samples whose noise belongs to the *row*, not to the batch: every row of a
 * forward pass — one (trial, sample) pair — draws its standard normals from its own Rng, seeded from
 * (seed, stream, trial, sample). A trial's average is then the same however trials and samples are
 * packed into forward passes (the `batchTrials` memory bound changes nothing but speed), and a file
 * can be re-made bit for bit from the seed.
 *
 * The model asks a `NoiseSource` for normals in a fixed order per forward pass (model/lfads.ts): the g0
 * draw `[B, I]` (when c_ic_dim > 0), then the controller noise — `[T, B, U]` in `forward` / `decode`,
 * `[B, T, U]` in `samplePrior` (when c_co_dim > 0); `encode` draws nothing at keep probability 1. Rows
 * decoded from one shared encoding of a trial (`decode` with `rows`) draw exactly what rows of a full
 * forward pass over the repeated trial would. `RowNoise` is told that plan and fills each request row by row;
 * a request of another size means the model's draw order changed, which is reported, not ignored.
 */
import { LfadsError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { NoiseSource } from "../model/noise.js";

/** One `normal(n)` request of a forward pass: `perRow` values per row, laid out row-major or time-major. */
export interface NoiseRequest {
  what: string;
  perRow: number;
  /** "row": [B, perRow]; "time": [T, B, perRow / T] (forward's controller noise). */
  layout: "row" | "time";
  /** T, for the time-major layout. */
  steps?: number;
}

/** 32-bit finaliser (murmur3 fmix32). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seed of one row's Rng from the user seed, a stream id (dataset, split, kind) and the row's trial and sample. */
function rowSeed(seed: number, stream: number, trial: number, sample: number): number {
  let h = fmix((seed >>> 0) ^ 0x9e3779b9);
  h = fmix(h ^ Math.imul(stream + 1, 0x27d4eb2f));
  h = fmix(h ^ Math.imul(trial + 1, 0x165667b1));
  h = fmix(h ^ Math.imul(sample + 1, 0x61c88647));
  return h;
}

/** Stream id of (dataset index, split, purpose); test trials (test_data) get ids apart from the others'. */
export function streamId(datasetIndex: number, split: "train" | "valid" | "test" | "prior", purpose: number): number {
  if (split === "test") return TEST_STREAMS + datasetIndex * 16 + purpose;
  const s = split === "train" ? 0 : split === "valid" ? 1 : 2;
  return (datasetIndex * 3 + s) * 16 + purpose;
}

/** First stream id of the test splits (above every train / valid / prior id of up to 20,000 datasets). */
const TEST_STREAMS = 1_000_000;

export class RowNoise implements NoiseSource {
  private readonly rngs: Rng[];
  private call = 0;

  /** `rows[b]` = [trial, sample] of row b. */
  constructor(seed: number, stream: number, rows: readonly (readonly [number, number])[], private readonly plan: readonly NoiseRequest[]) {
    this.rngs = rows.map(([trial, sample]) => new Rng(rowSeed(seed, stream, trial, sample)));
  }

  normal(n: number): Float32Array {
    const B = this.rngs.length;
    const req = this.plan[this.call];
    if (!req || n !== req.perRow * B) {
      throw new LfadsError(
        `posterior sampling: the model asked for ${n} normal values (request ${this.call + 1}), but ${req ? `${req.what} needs ${req.perRow} per row × ${B} rows` : "no more requests were expected"}; ` +
          `the model's noise order changed — update src/posterior/sample-noise.ts`,
      );
    }
    this.call += 1;
    const out = new Float32Array(n);
    if (req.layout === "row") {
      for (let b = 0; b < B; b++) {
        const rng = this.rngs[b]!;
        for (let k = 0; k < req.perRow; k++) out[b * req.perRow + k] = rng.normal();
      }
      return out;
    }
    const T = req.steps!;
    const U = req.perRow / T;
    for (let b = 0; b < B; b++) {
      const rng = this.rngs[b]!;
      for (let t = 0; t < T; t++) for (let u = 0; u < U; u++) out[(t * B + b) * U + u] = rng.normal();
    }
    return out;
  }

  dropoutMask(): Float32Array {
    throw new LfadsError("posterior sampling runs without dropout (keep probability 1); the model asked for a dropout mask");
  }

  /** Throw unless every planned request was made (a model that skipped a draw would silently reuse noise). */
  finish(): void {
    if (this.call !== this.plan.length) {
      throw new LfadsError(`posterior sampling: the model made ${this.call} noise requests, ${this.plan.length} were expected (${this.plan.map((r) => r.what).join(", ")})`);
    }
  }
}
