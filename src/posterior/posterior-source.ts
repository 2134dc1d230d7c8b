/**
 * Which checkpoint a run's posterior files were sampled from. lfads-ts writes root attributes into
 * every posterior file (sample-split.ts): the checkpoint's file name, its global step, the number of
 * samples averaged and the seed. TF LFADS wrote none (its files give only `train_steps`). TF-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readH5 } from "../io/h5.js";
import { modelRunsFileName } from "../runs/layout.js";

/** The root attributes lfads-ts adds to its posterior files (readers of TF files ignore them). */
export const POSTERIOR_ATTRS = {
  step: "lfads_ts_train_step",
  samples: "lfads_ts_num_samples",
  seed: "lfads_ts_seed",
  checkpoint: "lfads_ts_checkpoint",
} as const;

export interface PosteriorSource {
  /** The posterior file read. */
  file: string;
  /** The checkpoint's file name, e.g. `lfads_vae_lve.ckpt-1905.h5`. */
  checkpoint: string;
  /** Its global step. */
  step: number;
}

/** The checkpoint of one posterior file, or undefined when it carries no lfads-ts attributes (a TF file). */
export async function readPosteriorSource(file: string): Promise<PosteriorSource | undefined> {
  return readH5(file, (f) => {
    const attrs = f.attrs as Record<string, { value: unknown } | undefined>;
    const checkpoint = attrs[POSTERIOR_ATTRS.checkpoint]?.value;
    const step = Number(attrs[POSTERIOR_ATTRS.step]?.value ?? NaN);
    return typeof checkpoint === "string" ? { file, checkpoint, step } : undefined;
  });
}

/**
 * The checkpoint behind the posterior files of `kind` in an output folder: the first dataset's valid
 * file, else its train file, else the next dataset's. Undefined when none exists or carries the attribute.
 */
export async function posteriorSourceOf(outputDir: string, datasetNames: readonly string[], kind: string): Promise<PosteriorSource | undefined> {
  for (const ds of datasetNames) {
    for (const split of ["valid", "train"] as const) {
      const file = path.join(outputDir, modelRunsFileName(`${ds}.h5`, split, kind));
      if (!fs.existsSync(file)) continue;
      const src = await readPosteriorSource(file);
      if (src) return src;
    }
  }
  return undefined;
}
