/**
 * A `Dataset` read from an NWB file: the trials binned around an event (see `binNwbTrials`), the
 * held-in units as the LFADS input counts, held-in ‖ held-out units over the window ‖ forward bins as the
 * counts LFADS reconstructs (`reconCounts`: LFADS predicts the held-out units and the forward bins itself),
 * the binned behaviour (`behavior`, [trial, channel, bin], kept for velocity decoding only: the model never
 * sees it), and the full NLB tensors (behaviour, conditions, splits) kept on the dataset as `trials`.
 */
import { swapLastAxes } from "../../core/array3d.js";
import { concatLastAxis, concatMiddleAxis } from "../../core/array3d-concat.js";
import { Dataset, type DatasetOwner } from "../dataset.js";
import type { DatasetData } from "../dataset-data.js";
import { binNwbTrials, type NwbBinOptions, type NwbTrials } from "./bin-trials.js";
import { readNwb } from "./read-nwb.js";

export interface NwbDatasetOptions {
  /** How to bin the trials (bin width, alignment column and window, forward bins, behaviour, splits). */
  bin?: NwbBinOptions;
  comment?: string;
}

export class NwbDataset extends Dataset {
  static override matlabClass = "LFADS.Dataset";

  readonly binOptions: NwbBinOptions;
  private binned: NwbTrials | undefined;

  /** `relPath` is the NWB file, relative to the collection's path. */
  constructor(collection: DatasetOwner | undefined, relPath: string, options: NwbDatasetOptions = {}) {
    super(collection, relPath, options.comment === undefined ? {} : { comment: options.comment });
    this.binOptions = { ...(options.bin ?? {}) };
  }

  /** The binned NLB tensors (read and binned on first use). */
  async loadTrials(): Promise<NwbTrials> {
    this.binned ??= binNwbTrials(await readNwb(this.path), this.binOptions);
    return this.binned;
  }

  /** The binned tensors once loaded, else undefined. */
  get trials(): NwbTrials | undefined {
    return this.binned;
  }

  protected override async readData(): Promise<DatasetData> {
    const t = await this.loadTrials();
    const recon = concatMiddleAxis(concatLastAxis([t.heldin, t.heldout], "held-in and held-out units"), concatLastAxis([t.heldinForward, t.heldoutForward], "held-in and held-out forward bins"), "window and forward bins");
    return {
      counts: swapLastAxes(t.heldin),
      reconCounts: swapLastAxes(recon),
      timeVecMs: Float64Array.from({ length: t.nBins }, (_, b) => t.windowMs[0] + b * t.binWidthMs),
      conditionId: Float64Array.from(t.conditionIndex),
      ...(t.behavior ? { behavior: swapLastAxes(t.behavior.data) } : {}),
    };
  }
}
