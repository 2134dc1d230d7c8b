// Small synthetic LFADS outputs for the plot, export and report tests (plain data, no TensorFlow).
import { PosteriorMeans } from "../../src/posterior/posterior-means.js";
import { FitLog, type FitLogRow } from "../../src/posterior/fit-log.js";
import type { FitDiagnosticsRow } from "../../src/posterior/fit-diagnostics.js";
import type { AlignmentDatasetInput } from "../../src/align/alignment.js";

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SynthOptions {
  nTrials?: number;
  T?: number;
  nNeurons?: number;
  nFactors?: number;
  nConditions?: number;
  spikeBinMs?: number;
  /** Raw counts on bins this many times finer than the LFADS bins (default 2). */
  rebin?: number;
  truth?: boolean;
  rawCounts?: boolean;
  conditions?: boolean;
}

/**
 * A PosteriorMeans with condition-dependent rotating factors, rates = exp(factors·W + b) in spikes/s,
 * truth = the same rates in counts per bin, raw Poisson-ish counts at a finer bin.
 */
export function synthPosterior(o: SynthOptions = {}): PosteriorMeans {
  const nTrials = o.nTrials ?? 12;
  const T = o.T ?? 40;
  const N = o.nNeurons ?? 6;
  const F = o.nFactors ?? 4;
  const nc = o.nConditions ?? 3;
  const bin = o.spikeBinMs ?? 10;
  const rebin = o.rebin ?? 2;
  const u = rng(42);
  const cond = Array.from({ length: nTrials }, (_, i) => (i % nc) + 1);
  const factors = new Float32Array(nTrials * T * F);
  for (let i = 0; i < nTrials; i++) {
    const c = cond[i]!;
    for (let t = 0; t < T; t++) {
      for (let f = 0; f < F; f++) {
        const phase = (2 * Math.PI * c) / nc + f * 0.7;
        factors[(i * T + t) * F + f] = Math.sin((2 * Math.PI * (1 + (f % 2)) * t) / T + phase) * (1 + 0.3 * f) + 0.05 * (u() - 0.5);
      }
    }
  }
  const W = Float64Array.from({ length: F * N }, () => (u() - 0.5) * 0.8);
  const rates = new Float32Array(nTrials * T * N);
  const truth = new Float32Array(nTrials * T * N);
  for (let i = 0; i < nTrials; i++) {
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += factors[(i * T + t) * F + f]! * W[f * N + n]!;
        const hz = Math.exp(Math.log(20) + s);
        rates[(i * T + t) * N + n] = hz * (1 + 0.1 * (u() - 0.5));
        truth[(i * T + t) * N + n] = (hz * bin) / 1000;
      }
    }
  }
  const Traw = T * rebin;
  const counts = new Float64Array(nTrials * Traw * N);
  for (let i = 0; i < nTrials; i++) {
    for (let j = 0; j < Traw; j++) {
      const t = Math.floor(j / rebin);
      for (let n = 0; n < N; n++) {
        const lambda = truth[(i * T + t) * N + n]! / rebin;
        counts[(i * Traw + j) * N + n] = u() < lambda ? (u() < 0.1 ? 2 : 1) : 0;
      }
    }
  }
  const validInds = Int32Array.from({ length: nTrials }, (_, i) => i).filter((i) => i % 4 === 3);
  const trainInds = Int32Array.from({ length: nTrials }, (_, i) => i).filter((i) => i % 4 !== 3);
  return new PosteriorMeans({
    datasetName: "dataset001",
    kind: "posterior_sample_and_average",
    format: "tf",
    spikeBinMs: bin,
    inputBinMs: bin / rebin,
    time: Float64Array.from({ length: T }, (_, t) => t * bin),
    rates: { data: rates, shape: [nTrials, T, N] },
    factors: { data: factors, shape: [nTrials, T, F] },
    trainInds,
    validInds,
    conditionIds: o.conditions === false ? undefined : cond,
    rawCounts: o.rawCounts === false ? undefined : { data: counts, shape: [nTrials, Traw, N] },
    truth: o.truth === false ? undefined : { data: truth, shape: [nTrials, T, N] },
    datasetIndexByTrial: new Int32Array(nTrials),
  });
}

/** A fit log of `n` epochs: KL/L2 ramps over the first `ramp` epochs, decreasing costs, a valid minimum. */
export function synthFitLog(n = 30, ramp = 10, opts: { learningRate?: boolean } = {}): FitLog {
  const rows: (FitLogRow & { learning_rate?: number })[] = [];
  for (let e = 0; e < n; e++) {
    const w = Math.min(1, (e + 1) / ramp);
    const recon = 1000 * Math.exp(-e / 8) + 300;
    const valid = recon + 20 + 0.8 * (e - 20) ** 2 * (e > 20 ? 1 : 0.05);
    const row: FitLogRow & { learning_rate?: number } = {
      epoch: e, step: e * 10, total_train: recon + 50 * w, total_valid: valid + 50 * w, recon_train: recon, recon_valid: valid,
      kl_train: 50, kl_valid: 52, l2: 5, kl_weight: w, l2_weight: w,
    };
    if (opts.learningRate) row.learning_rate = 0.01 * 0.95 ** Math.floor(e / 5);
    rows.push(row);
  }
  return new FitLog(rows, "synthetic/fitlog.csv");
}

/**
 * `synthFitLog(n, ramp)` with lfads-ts's diagnostics: the learning rate halved at `eventEpoch` (whose
 * row carries a divergence event), gradient norms falling from 250 (half the steps of the first 5 epochs
 * clipped at 200), g0's KL near 13, no controller (u's KL 0).
 */
export function synthFitLogWithDiagnostics(n = 30, ramp = 10, eventEpoch = 22): FitLog {
  const base = synthFitLog(n, ramp);
  const diagnostics: FitDiagnosticsRow[] = base.rows.map((r) => ({
    epoch: r.epoch, step: r.step, learning_rate: r.epoch <= eventEpoch ? 0.02 : 0.01, grad_norm_mean: 80 - r.epoch, grad_norm_max: 250 - 2 * r.epoch,
    clip_fraction: r.epoch < 5 ? 0.5 : 0, max_grad_norm: 200, kl_ic_train: 14, kl_ic_valid: 13, kl_co_train: 0, kl_co_valid: 0, recon_sv_train: NaN, recon_sv_valid: NaN,
    event: r.epoch === eventEpoch ? `divergence at epoch ${eventEpoch} (step ${r.step}): valid cost …; restored lfads_vae_lve.ckpt-200.h5 (step 200)` : "",
  }));
  return new FitLog(base.rows, "synthetic/fitlog.csv", diagnostics);
}

/** Three small datasets that share latents, for `computeAlignment`. */
export function synthAlignmentInput(): AlignmentDatasetInput[] {
  const u = rng(7);
  const nCond = 4;
  const T = 15;
  const nLatent = 3;
  const latents = new Float64Array(nCond * T * nLatent);
  for (let c = 0; c < nCond; c++) for (let t = 0; t < T; t++) for (let l = 0; l < nLatent; l++) latents[(c * T + t) * nLatent + l] = Math.sin((2 * Math.PI * (l + 1) * t) / T + c);
  return [8, 10, 7].map((nCh, d) => {
    const m = Float64Array.from({ length: nLatent * nCh }, () => u() - 0.5);
    const perCond = 5;
    const nTrials = nCond * perCond;
    const counts = new Float64Array(nTrials * nCh * T);
    const conditionIds: number[] = [];
    for (let r = 0; r < nTrials; r++) {
      const c = r % nCond;
      conditionIds.push(c + 1);
      for (let ch = 0; ch < nCh; ch++) {
        for (let t = 0; t < T; t++) {
          let v = 3;
          for (let l = 0; l < nLatent; l++) v += latents[(c * T + t) * nLatent + l]! * m[l * nCh + ch]!;
          counts[(r * nCh + ch) * T + t] = v + 0.05 * (u() - 0.5);
        }
      }
    }
    return { name: `session${d + 1}`, counts: { data: counts, shape: [nTrials, nCh, T] }, conditionIds, trainInds: Array.from({ length: nTrials }, (_, i) => i) };
  });
}
