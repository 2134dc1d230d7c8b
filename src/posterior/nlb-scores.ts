/**
 * NLB's velocity R² and PSTH R² of a run's posterior means (the Run Manager path, TF-free), from what the
 * input info carries: the dataset's behaviour, condition ids and reconstructed counts. Both read the
 * rates per LFADS bin of every reconstructed neuron (held-in ‖ held-out) over the observed bins only
 * (the first T_obs = T_orig / rebin bins; forward bins are fp-bps's).
 *
 * PSTH target: unlike NLB, which smooths 1-ms spikes and then bins them (src/nlb `nlbPsth`), the Run
 * Manager has only the binned counts, so the target here is the per-condition mean over all trials of
 * the reconstructed counts per LFADS bin smoothed along time with a Gaussian of SD 50 ms. The smoothing is
 * coarser (whole LFADS bins), so the numbers are close to NLB's but not the same.
 */
import type { Array3D } from "../core/array3d.js";
import { sliceBlock } from "../core/array3d-concat.js";
import { DataError, LfadsError } from "../core/errors.js";
import { psthR2 } from "../nlb/psth-r2.js";
import { smoothSpikes } from "../nlb/smooth.js";
import { takeTrials } from "../nlb/target.js";
import { velocityR2 } from "../nlb/vel-r2.js";
import { conditionIndex, conditionMeans } from "./condition-average.js";
import type { PosteriorMeans } from "./posterior-means.js";
import { observedBins, splitTrials, type PosteriorScoreOptions } from "./scores.js";

/** SD of the Gaussian that smooths the PSTH target's counts, ms (NLB's MC_Maze value). */
export const PSTH_TARGET_SD_MS = 50;

/** Rates per LFADS bin, every reconstructed neuron, the observed bins: `[trials, T_obs, N_rec]`. */
function observedRates(pm: PosteriorMeans): Array3D<Float64Array> {
  const rates = pm.ratesPerBin();
  return sliceBlock(rates, [0, observedBins(pm)], [0, rates.shape[2]]);
}

/**
 * NLB velocity R² of a PosteriorMeans: a ridge decoder (cross-validated penalty, src/nlb `velocityR2`)
 * from the observed-bin rates to `behaviorPerBin()`, fitted on the train split's trials and scored on
 * `split` (default valid); bins whose first behaviour channel is NaN are left out. Poisson outputs only.
 */
export function posteriorVelocityR2(pm: PosteriorMeans, opts: PosteriorScoreOptions = {}): number {
  const behavior = pm.behaviorPerBin();
  const rates = observedRates(pm);
  if (behavior.shape[1] !== rates.shape[1]) {
    throw new DataError(`posteriorVelocityR2(${pm.datasetName}): the behaviour has ${behavior.shape[1]} LFADS bins but the rates' observed bins are ${rates.shape[1]}; re-run the prepare step and sample the posterior again`);
  }
  const train = [...splitTrials(pm, "train")];
  const evalT = [...splitTrials(pm, opts.split)];
  return velocityR2({ trainRates: takeTrials(rates, train), trainBehavior: takeTrials(behavior, train), evalRates: takeTrials(rates, evalT), evalBehavior: takeTrials(behavior, evalT) });
}

function conditionIdsOf(pm: PosteriorMeans, fn: string): readonly (number | string)[] {
  if (!pm.conditionIds) throw new LfadsError(`${fn}: PosteriorMeans(${pm.datasetName}) has no conditionIds (the input info had no 'conditionId'); return conditionId from the dataset's loader`);
  return pm.conditionIds as readonly (number | string)[];
}

/**
 * The Run Manager's PSTH target `[conditions, T_obs, N_rec]` (conditions sorted): per condition, the mean
 * over all its trials (train and valid; NaN values left out) of the reconstructed counts per LFADS bin over
 * the observed bins, smoothed along time with a Gaussian of SD `PSTH_TARGET_SD_MS` (see the module comment
 * for how this differs from NLB's target).
 */
export function posteriorPsthTarget(pm: PosteriorMeans): Array3D<Float64Array> {
  const ids = conditionIdsOf(pm, "posteriorPsthTarget");
  const recon = pm.reconCountsPerBin();
  const tObs = observedBins(pm);
  const smoothed = smoothSpikes(sliceBlock(recon, [0, tObs], [0, recon.shape[2]]), PSTH_TARGET_SD_MS, pm.spikeBinMs);
  const { conditions, means } = conditionMeans(smoothed.data, ids);
  return { data: means, shape: [conditions.length, tObs, recon.shape[2]] };
}

/**
 * NLB PSTH R² of a PosteriorMeans on `split` (default valid): the mean rates of the split's trials of each
 * condition against `posteriorPsthTarget`, R² per neuron averaged (src/nlb `psthR2`). Needs conditionIds
 * and reconCounts; Poisson outputs only.
 */
export function posteriorPsthR2(pm: PosteriorMeans, opts: PosteriorScoreOptions = {}): number {
  const target = posteriorPsthTarget(pm);
  const { conditions, index } = conditionIndex(conditionIdsOf(pm, "posteriorPsthR2"));
  const evalT = [...splitTrials(pm, opts.split)];
  const condIdx: number[][] = Array.from({ length: conditions.length }, () => []);
  evalT.forEach((t, pos) => condIdx[index[t]!]!.push(pos));
  return psthR2(target, takeTrials(observedRates(pm), evalT), condIdx);
}
