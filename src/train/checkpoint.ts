/**
 * Checkpoints as HDF5 files in the output folder, named like TF's: `lfads_vae.ckpt-<step>.h5`
 * (rolling) and `lfads_vae_lve.ckpt-<step>.h5` (lowest validation error), with TF-style index files
 * `checkpoint` / `checkpoint_lve` listing them oldest first (the names are CHECKPOINTS of runs/layout.ts).
 * A file holds the weights (group `weights`, TF names with '/' written as '|'), the Adam slots
 * (`adam_m`, `adam_v`), `global_step`, `learning_rate`, and the trainer state (LR history, RNG state,
 * fit log lines, …) as JSON in the attribute `trainer_state`. Files and indexes are written atomically;
 * old files are deleted after the index no longer names them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { readArray, readH5, writeArray, writeH5Atomic, type H5Group } from "../io/h5.js";
import type { WeightMap } from "../model/params.js";
import { newestListedCheckpoint, readCheckpointIndex } from "../runs/checkpoint-index.js";
import { CHECKPOINTS, checkpointFileName, type CheckpointKind } from "../runs/layout.js";
import type { DivergenceState } from "./divergence.js";
import type { LrScheduleState } from "./schedule.js";

export type { CheckpointKind };

export interface TrainerState {
  /** Global step: Adam updates applied. */
  step: number;
  /** Epochs completed (= index of the next epoch). */
  epochsDone: number;
  lr: LrScheduleState;
  /** xoshiro state of the training Rng (batching, noise, dropout, jitter). */
  rngState: number[];
  adamT: number;
  lowestValidCost: number;
  validCount: number;
  /** fitlog.csv lines up to this checkpoint. */
  fitlog: string[];
  /** fitlog_diagnostics.csv lines (no header) up to this checkpoint; absent in older checkpoints. */
  diagnostics?: string[];
  /** The divergence watch's windows; absent in older checkpoints (the watch then starts afresh). */
  divergence?: DivergenceState;
  seed: number;
  backend: string;
}

export interface Checkpoint {
  state: TrainerState;
  weights: WeightMap;
  adamM: WeightMap;
  adamV: WeightMap;
}

const toKey = (name: string): string => name.replaceAll("/", "|");
const fromKey = (key: string): string => key.replaceAll("|", "/");

/** JSON with ±Infinity/NaN kept (LR history holds +∞). */
function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? `__num:${x}` : x));
}
function parse<T>(s: string): T {
  return JSON.parse(s, (_k, x: unknown) => (typeof x === "string" && x.startsWith("__num:") ? Number(x.slice(6)) : x)) as T;
}

/** Index file contents: latest and all paths (oldest first), relative to the output folder. */
function readIndex(outDir: string, kind: CheckpointKind): string[] {
  return readCheckpointIndex(path.join(outDir, CHECKPOINTS[kind].index));
}

function writeIndex(outDir: string, kind: CheckpointKind, all: string[]): void {
  const lines = [`model_checkpoint_path: "${all[all.length - 1] ?? ""}"`, ...all.map((p) => `all_model_checkpoint_paths: "${p}"`)];
  writeFileAtomic(path.join(outDir, CHECKPOINTS[kind].index), lines.join("\n") + "\n");
}

function writeGroup(f: H5Group, group: string, weights: WeightMap): void {
  const g = f.create_group(group);
  for (const [name, w] of weights) writeArray(g, toKey(name), { data: w.data, shape: w.shape });
}

function readGroup(f: H5Group, group: string, file: string): WeightMap {
  const g = f.get(group) as H5Group | null;
  if (!g) throw new LayoutError(`checkpoint ${file} has no group '${group}'`);
  const out: WeightMap = new Map();
  for (const key of g.keys()) {
    const a = readArray(g, key, file);
    out.set(fromKey(key), { shape: a.shape, data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>) });
  }
  return out;
}

/** Write a checkpoint, add it to the index and delete the ones beyond `keep`. Returns its path. */
export async function saveCheckpoint(outDir: string, kind: CheckpointKind, ckpt: Checkpoint, keep: number): Promise<string> {
  const base = checkpointFileName(kind, ckpt.state.step);
  const file = path.join(outDir, base);
  await writeH5Atomic(file, (f) => {
    writeGroup(f, "weights", ckpt.weights);
    writeGroup(f, "adam_m", ckpt.adamM);
    writeGroup(f, "adam_v", ckpt.adamV);
    writeArray(f, "global_step", { data: BigInt64Array.of(BigInt(ckpt.state.step)), shape: [] });
    writeArray(f, "learning_rate", { data: Float32Array.of(ckpt.state.lr.learningRate), shape: [] });
    f.create_attribute("trainer_state", stringify(ckpt.state));
  });
  const all = readIndex(outDir, kind).filter((p) => p !== base);
  all.push(base);
  const drop = all.splice(0, Math.max(0, all.length - Math.max(1, keep)));
  writeIndex(outDir, kind, all);
  for (const p of drop) fs.rmSync(path.join(outDir, p), { force: true });
  return file;
}

export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  return readH5(file, (f) => {
    const attr = f.attrs["trainer_state"];
    if (!attr) throw new LayoutError(`${file} is not an lfads-ts checkpoint (no trainer_state attribute)`);
    return { state: parse<TrainerState>(String(attr.value)), weights: readGroup(f, "weights", file), adamM: readGroup(f, "adam_m", file), adamV: readGroup(f, "adam_v", file) };
  });
}

/** Path of the newest checkpoint of `kind` that exists on disk, if any. */
export function latestCheckpoint(outDir: string, kind: CheckpointKind): string | undefined {
  return newestListedCheckpoint(outDir, CHECKPOINTS[kind].index);
}
