/**
 * What `samplePosterior` reports while it works: `PosteriorProgress` events for an `onProgress`
 * callback, and the `PosteriorReporter` a progress display implements. TF-free (types only), so the
 * display that lives in a later stage can implement it without loading TensorFlow.js; `samplePosterior`
 * of `lfads-ts/tf` passes one by default (src/facade/sample-posterior.ts).
 */
import type { BackendInfo } from "../model/ops/backend.js";
import type { PosteriorSplit } from "../runs/layout.js";
import type { PosteriorMeanKind } from "./posterior-means.js";

export type { PosteriorSplit };

/** The TF `--kind`s that write posterior means. */
export type PosteriorSampleKind = PosteriorMeanKind;

/** One output file: which kind, dataset and split it holds. */
export interface PosteriorFileInfo {
  kind: PosteriorSampleKind;
  /** Dataset name as in the file names, e.g. "dataset001.h5". */
  datasetName: string;
  /** 0-based dataset index in the run. */
  datasetIndex: number;
  split: PosteriorSplit;
  /** The output file. */
  file: string;
  /** Trials the file holds. */
  trialsTotal: number;
}

/** Progress of `samplePosterior`, after each group of trials and per file. */
export interface PosteriorProgress extends PosteriorFileInfo {
  /** "chunk": a group of trials is done; "file": a file was written; "skipped": a file existed. */
  event: "chunk" | "file" | "skipped";
  /** Trials of this file done. */
  trialsDone: number;
  /** Trials done over every file this call writes, and their total. */
  overallDone: number;
  overallTotal: number;
  /** This file's trials per second so far. */
  trialsPerSecond: number;
  /** Seconds since the call started. */
  elapsedSeconds: number;
}

/** The settings of one `samplePosterior` call, known once the model is restored. */
export interface PosteriorSampleInfo {
  kinds: readonly PosteriorSampleKind[];
  /** The checkpoint file restored, and its global step. */
  checkpoint: string;
  step: number;
  numSamples: number;
  batchTrials: number;
  backend: BackendInfo;
}

/** A progress display of `samplePosterior`: told what runs, which files are kept, and how each written file advances. */
export interface PosteriorReporter {
  /** Once, before the first file. */
  start(info: PosteriorSampleInfo): void;
  /** A file that exists and is kept. */
  skipped(file: PosteriorFileInfo): void;
  /** A file about to be written (`replaced`: why an existing one is re-made); the result follows that file. */
  file(file: PosteriorFileInfo, replaced: string | undefined): PosteriorFileReporter;
}

/** The progress of one file being written. */
export interface PosteriorFileReporter {
  /** After every group of trials. */
  update(trialsDone: number, trialsPerSecond: number): void;
  /** The file is written. */
  done(trialsPerSecond: number): void;
  /** The call was aborted before the file was complete (it was not written). */
  aborted(): void;
}
