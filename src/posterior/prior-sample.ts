/**
 * TF `--kind=prior_sample`: trials generated from a trained run's priors, written as TF writes
 * `model_runs_prior_sample` (lfads-model.md §4). TensorFlow.js; import through `lfads-ts/tf`.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { reconNeuronsOf, reconStepsOf } from "../model/config.js";
import { ParamError } from "../core/errors.js";
import { writeH5Atomic } from "../io/h5.js";
import { loadTrainedModel, type LoadModelOptions, type SampleTarget } from "./sample-model.js";
import { RowNoise, streamId, type NoiseRequest } from "./sample-noise.js";
import { defaultBatchTrials, positiveInt, rampTerms } from "./sample-shared.js";
import { TrialSliceDataset, writeFloat64 } from "./sample-write.js";
import { MODEL_RUNS_PRIOR_SAMPLE } from "../runs/layout.js";

export interface PriorSampleOptions extends LoadModelOptions {
  /** Trials to generate (default c_batch_size, as TF generates one batch). */
  numSamples?: number;
  /** 0-based dataset whose read-out maps factors to rates (default 0, TF's first dataset). */
  datasetIndex?: number;
  seed?: number;
  /** Rows per forward pass (memory bound); results do not depend on it. */
  batchTrials?: number;
}

export interface PriorSampleResult {
  file: string;
  numSamples: number;
  datasetName: string;
  checkpoint: string;
  step: number;
}

/**
 * TF `--kind=prior_sample`: generate trials de novo (g0 from the learned prior, u_t from the AR(1)
 * prior, no data) and write `<outputDir>/model_runs_prior_sample` with gen_ics [B,G], gen_states,
 * factors, output_dist_params [B,T,·], costs [1], prior_g0_mean / prior_g0_logvar [B,I] (ic_dim > 0) and
 * prior_zs_ar_con [B,T,U] (co_dim > 0). `costs` is TF's training cost without data: l2_weight·l2 at the
 * restored step (reconstruction and KL are 0 in TF's prior_sample graph).
 */
export async function writePriorSamples(target: SampleTarget, options: PriorSampleOptions = {}): Promise<PriorSampleResult> {
  const tm = await loadTrainedModel(target, options);
  try {
    const c = tm.config;
    const B = positiveInt("numSamples", options.numSamples, tm.train.batchSize);
    const di = options.datasetIndex ?? 0;
    const ds = tm.data.datasets[di];
    if (!Number.isInteger(di) || !ds) throw new ParamError(`datasetIndex must be a 0-based index below ${tm.data.datasets.length}; got ${di}`);
    const N = reconNeuronsOf(ds);
    const M = positiveInt("batchTrials", options.batchTrials, defaultBatchTrials(c, N));
    const seed = options.seed ?? 0;
    const T = reconStepsOf(c);
    const dOut = tm.model.observation.paramsPerNeuron * N;
    const file = path.join(tm.spec.outputDir, MODEL_RUNS_PRIOR_SAMPLE);
    const { l2Term } = rampTerms(tm);
    const plan: NoiseRequest[] = [];
    if (c.icDim > 0) plan.push({ what: "g0 noise [B, ic_dim]", perRow: c.icDim, layout: "row" });
    if (c.coDim > 0) plan.push({ what: "AR(1) prior noise [B, T, co_dim]", perRow: T * c.coDim, layout: "row" });
    await writeH5Atomic(file, (f) => {
      const genStates = new TrialSliceDataset(f, "gen_states", B, [T, c.genDim]);
      const factors = new TrialSliceDataset(f, "factors", B, [T, c.factorsDim]);
      const odp = new TrialSliceDataset(f, "output_dist_params", B, [T, dOut]);
      const zs = c.coDim > 0 ? new TrialSliceDataset(f, "prior_zs_ar_con", B, [T, c.coDim]) : undefined;
      const genIcs = new Float64Array(B * c.genDim);
      const priorMean = new Float64Array(B * c.icDim);
      const priorLogvar = new Float64Array(B * c.icDim);
      for (let b0 = 0; b0 < B; b0 += M) {
        const bb = Math.min(M, B - b0);
        const rows = Array.from({ length: bb }, (_, r): [number, number] => [b0 + r, 0]);
        const noise = new RowNoise(seed, streamId(di, "prior", 0), rows, plan);
        tf.tidy(() => {
          const o = tm.model.samplePrior(bb, di, noise);
          noise.finish();
          genStates.write(b0, Float64Array.from(o.genStates.dataSync()));
          factors.write(b0, Float64Array.from(o.factors.dataSync()));
          odp.write(b0, Float64Array.from(o.outputDistParams.dataSync()));
          if (zs && o.controllerOutputs) zs.write(b0, Float64Array.from(o.controllerOutputs.dataSync()));
          genIcs.set(o.genIcs.dataSync(), b0 * c.genDim);
          if (c.icDim > 0) {
            const m = o.priorG0Mean!.dataSync();
            const lv = o.priorG0Logvar!.dataSync();
            for (let r = 0; r < bb; r++) {
              priorMean.set(m, (b0 + r) * c.icDim);
              priorLogvar.set(lv, (b0 + r) * c.icDim);
            }
          }
        });
      }
      writeFloat64(f, "gen_ics", genIcs, [B, c.genDim]);
      writeFloat64(f, "costs", Float64Array.of(l2Term), [1]);
      if (c.icDim > 0) {
        writeFloat64(f, "prior_g0_mean", priorMean, [B, c.icDim]);
        writeFloat64(f, "prior_g0_logvar", priorLogvar, [B, c.icDim]);
      }
    });
    return { file, numSamples: B, datasetName: ds.name, checkpoint: tm.checkpointFile, step: tm.checkpoint.state.step };
  } finally {
    tm.dispose();
  }
}
