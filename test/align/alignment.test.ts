import { test } from "node:test";
import assert from "node:assert/strict";
import { Matrix, solve } from "ml-matrix";
import { Rng } from "../../src/core/rng.js";
import { DataError, ParamError, ShapeError, setWarningSink } from "../../src/core/errors.js";
import {
  alignmentReconstructionData,
  computeAlignment,
  mat,
  ridgeCv,
  validateAlignment,
  type AlignmentDatasetInput,
  type ConditionId,
} from "../../src/align/index.js";

// ------------------------------------------------------------------------------------------------
// synthetic data: latent trajectories per condition, mixed into each dataset's channels

interface Synth {
  datasets: AlignmentDatasetInput[];
  /** mixing per dataset, nLatent × nCh row-major */
  mixing: Float64Array[];
  latents: Float64Array; // [nCond, T, nLatent]
}

function synth(opts: {
  seed: number;
  nCh: number[];
  nCond: number;
  T: number;
  nLatent: number;
  trialsPerCond: number;
  noise: number;
  conditionIds?: (c: number) => ConditionId;
  /** conditions (indices) absent from dataset d */
  absent?: (d: number, c: number) => boolean;
}): Synth {
  const rng = new Rng(opts.seed);
  const { nCond, T, nLatent } = opts;
  const latents = new Float64Array(nCond * T * nLatent);
  const phase = Array.from({ length: nCond * nLatent }, () => rng.uniform() * 2 * Math.PI);
  const freq = Array.from({ length: nCond * nLatent }, () => 0.5 + rng.uniform() * 1.5);
  for (let c = 0; c < nCond; c++) {
    for (let t = 0; t < T; t++) {
      for (let l = 0; l < nLatent; l++) {
        const i = c * nLatent + l;
        latents[(c * T + t) * nLatent + l] = Math.sin((2 * Math.PI * freq[i]! * t) / T + phase[i]!);
      }
    }
  }
  const ids = opts.conditionIds ?? ((c: number) => c + 1);
  const mixing: Float64Array[] = [];
  const datasets = opts.nCh.map((nCh, d): AlignmentDatasetInput => {
    const m = Float64Array.from({ length: nLatent * nCh }, () => rng.normal());
    mixing.push(m);
    const offset = Float64Array.from({ length: nCh }, () => 3 + 4 * rng.uniform());
    const conds: [number, number][] = []; // [condition, replicate]
    for (let c = 0; c < nCond; c++) {
      if (opts.absent?.(d, c)) continue;
      for (let r = 0; r < opts.trialsPerCond; r++) conds.push([c, r]);
    }
    rng.shuffle(conds);
    // every 5th replicate of each condition is a validation trial holding garbage: alignment must
    // ignore it (and each condition keeps the same number of training trials)
    const nTrials = conds.length;
    const counts = new Float64Array(nTrials * nCh * T);
    const train: number[] = [];
    const conditionIds: ConditionId[] = [];
    conds.forEach(([c, rep], r) => {
      const valid = rep % 5 === 0;
      if (!valid) train.push(r);
      conditionIds.push(ids(c));
      for (let ch = 0; ch < nCh; ch++) {
        for (let t = 0; t < T; t++) {
          let v = offset[ch]!;
          for (let l = 0; l < nLatent; l++) v += latents[(c * T + t) * nLatent + l]! * m[l * nCh + ch]!;
          counts[(r * nCh + ch) * T + t] = valid ? 1000 : v + opts.noise * rng.normal();
        }
      }
    });
    return { name: `session${d + 1}`, counts: { data: counts, shape: [nTrials, nCh, T] }, conditionIds, trainInds: train };
  });
  return { datasets, mixing, latents };
}

function r2(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < target.length; i++) mean += target[i]! / target.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < target.length; i++) {
    res += (pred[i]! - target[i]!) ** 2;
    tot += (target[i]! - mean) ** 2;
  }
  return 1 - res / tot;
}

function captureWarnings(): { list: string[]; restore: () => void } {
  const list: string[] = [];
  const prev = setWarningSink((m) => list.push(m));
  return { list, restore: () => setWarningSink(prev) };
}

// ------------------------------------------------------------------------------------------------

test("multi-dataset alignment recovers a known mixing: every dataset's (x − b)·W reproduces the global PCs", () => {
  const nLatent = 3;
  const s = synth({ seed: 7, nCh: [12, 15, 9], nCond: 8, T: 20, nLatent, trialsPerCond: 10, noise: 0.05, conditionIds: (c) => (c * 37) % 8 + 100 });
  const res = computeAlignment(s.datasets, { nFactors: nLatent });
  assert.deepEqual(res.conditions, [100, 101, 102, 103, 104, 105, 106, 107]); // sorted unique ids
  assert.equal(res.nComponents, 3);
  assert.equal(res.pcaRows, "all");
  assert.deepEqual(res.globalPCs.shape, [3, 20, 8]);
  const { data: g } = res.globalPCs;

  s.datasets.forEach((d, di) => {
    const [, nCh, T] = d.counts.shape;
    const w = res.matrices[di]!;
    const b = res.biases[di]!;
    assert.equal(w.length, nCh * 3);
    // bias = the channel means over the training trials (equal trials per condition)
    for (let ch = 0; ch < nCh; ch++) {
      let sum = 0;
      let n = 0;
      for (const r of Array.from(d.trainInds)) {
        for (let t = 0; t < T; t++) { sum += d.counts.data[(r * nCh + ch) * T + t]!; n++; }
      }
      assert.ok(Math.abs(b[ch]! - sum / n) < 1e-9, `bias ${d.name}[${ch}]`);
    }
    // project the condition averages: (x̄ − b)·W vs the global PCs
    const avg = res.conditionAverages[di]!;
    const pred: number[] = [];
    const target: number[] = [];
    for (let f = 0; f < 3; f++) {
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < 8; c++) {
          let acc = 0;
          for (let ch = 0; ch < nCh; ch++) acc += (avg.data[(ch * T + t) * 8 + c]! - b[ch]!) * w[ch * 3 + f]!;
          pred.push(acc);
          target.push(g[(f * T + t) * 8 + c]!);
        }
      }
    }
    assert.ok(r2(pred, target) > 0.95, `R² ${d.name} = ${r2(pred, target)}`);
    // and the stored reconstruction is that projection
    for (let i = 0; i < pred.length; i++) assert.ok(Math.abs(res.reconstructions[di]!.data[i]! - pred[i]!) < 1e-6);
  });

  // the latent → factor map M_d·W_d is the same for every dataset (the mixing is undone)
  const maps = s.mixing.map((m, di) => {
    const nCh = s.datasets[di]!.counts.shape[1];
    const out = new Float64Array(nLatent * 3);
    for (let l = 0; l < nLatent; l++) for (let f = 0; f < 3; f++) for (let ch = 0; ch < nCh; ch++) out[l * 3 + f] += m[l * nCh + ch]! * res.matrices[di]![ch * 3 + f]!;
    return out;
  });
  const norm = Math.hypot(...maps[0]!);
  for (const m of maps.slice(1)) {
    const diff = Math.hypot(...m.map((v, i) => v - maps[0]![i]!));
    assert.ok(diff / norm < 0.05, `latent maps differ by ${diff / norm}`);
  }
});

test("nFactors beyond the number of latents: matrices are nCh × nFactors; extra PCs are still regressed; padding only beyond nNeuronsTotal", () => {
  const s = synth({ seed: 3, nCh: [3, 2], nCond: 6, T: 10, nLatent: 2, trialsPerCond: 5, noise: 0.1 });
  const res = computeAlignment(s.datasets, { nFactors: 8 });
  assert.equal(res.nComponents, 5); // min(8, 3 + 2)
  assert.equal(res.nFactors, 8);
  assert.equal(res.matrices[0]!.length, 3 * 8);
  for (let ch = 0; ch < 3; ch++) for (let f = 5; f < 8; f++) assert.equal(res.matrices[0]![ch * 8 + f], 0);
  assert.deepEqual(res.reconstructions[0]!.shape, [8, 10, 6]);
  // padded factor rows reconstruct to 0
  for (let i = 5 * 60; i < 8 * 60; i++) assert.equal(res.reconstructions[1]!.data[i], 0);
});

test("single-dataset PCA read-in equals a hand-checked case, padded with zero columns to nFactors", () => {
  // Two channels, conditions "a" and "b", T = 2. Centred condition averages (columns a0 a1 b0 b1):
  //   ch0: 3 −3 1 −1     ch1: 1 −1 2 −2     (means 10 and 5)
  // scatter [[20, 10], [10, 10]] → covariance (/3) = (10/3)·[[2, 1], [1, 1]], eigenvalues (10/3)(3 ± √5)/2,
  // eigenvectors ∝ [1, (√5 − 1)/2] and [1, −(1 + √5)/2] → sign flipped so the −1.618 entry is positive.
  const avg = [
    [13, 7, 11, 9],
    [6, 4, 7, 3],
  ];
  const nTrials = 2 * 4 + 2;
  const counts = new Float64Array(nTrials * 2 * 2);
  const ids: string[] = [];
  const train: number[] = [];
  let r = 0;
  for (let c = 0; c < 2; c++) {
    for (const delta of [+0.5, -0.5, +2, -2]) {
      for (let ch = 0; ch < 2; ch++) for (let t = 0; t < 2; t++) counts[(r * 2 + ch) * 2 + t] = avg[ch]![c * 2 + t]! + delta;
      ids.push(c === 0 ? "a" : "b");
      train.push(r);
      r++;
    }
  }
  // an excluded trial ('' id) and a non-training trial, both with wild values
  for (const id of ["", "a"]) {
    for (let i = 0; i < 4; i++) counts[r * 4 + i] = 500;
    ids.push(id);
    if (id === "") train.push(r);
    r++;
  }
  assert.equal(r, nTrials);
  const w = captureWarnings();
  const res = computeAlignment([{ name: "solo", counts: { data: counts, shape: [nTrials, 2, 2] }, conditionIds: ids, trainInds: train }], {
    nFactors: 3,
    singleDataset: true,
    approach: "ridgeRegressGlobalPCs",
  });
  w.restore();
  assert.ok(w.list.some((m) => /ridge regression does not apply to a single dataset/.test(m)));
  assert.equal(res.singleDataset, true);
  assert.equal(res.usingRidgeRegression, false);
  assert.deepEqual(res.conditions, ["a", "b"]);
  const s5 = Math.sqrt(5);
  const v1 = [1, (s5 - 1) / 2];
  const v2 = [-1, (1 + s5) / 2];
  const n1 = Math.hypot(...v1);
  const n2 = Math.hypot(...v2);
  const expected = [v1[0]! / n1, v2[0]! / n2, 0, v1[1]! / n1, v2[1]! / n2, 0];
  assert.equal(res.matrices[0]!.length, 6); // 2 channels × nFactors 3 (MATLAB would give 2 × 2)
  expected.forEach((e, i) => assert.ok(Math.abs(res.matrices[0]![i]! - e) < 1e-12, `W[${i}] = ${res.matrices[0]![i]} ≠ ${e}`));
  assert.deepEqual(Array.from(res.biases[0]!), [10, 5]);
  const lam = [((10 / 3) * (3 + s5)) / 2, ((10 / 3) * (3 - s5)) / 2];
  lam.forEach((l, i) => assert.ok(Math.abs(res.pcVariances[i]! - l) < 1e-12));
  // global PCs = PCA scores, [k, T, nC]; reconstruction = scores padded with a zero factor
  const centred = [
    [3, -3, 1, -1],
    [1, -1, 2, -2],
  ];
  assert.deepEqual(res.globalPCs.shape, [2, 2, 2]);
  for (let f = 0; f < 2; f++) {
    for (let c = 0; c < 2; c++) {
      for (let t = 0; t < 2; t++) {
        const j = c * 2 + t;
        const score = centred[0]![j]! * expected[f]! + centred[1]![j]! * expected[3 + f]!;
        assert.ok(Math.abs(res.globalPCs.data[(f * 2 + t) * 2 + c]! - score) < 1e-12);
        assert.ok(Math.abs(res.reconstructions[0]!.data[(f * 2 + t) * 2 + c]! - score) < 1e-12);
      }
    }
  }
  for (let i = 8; i < 12; i++) assert.equal(res.reconstructions[0]!.data[i], 0);
});

test("ridge CV picks a larger λ under heavy noise than without", () => {
  const base = { nCh: [40, 30], nCond: 4, T: 8, nLatent: 3, trialsPerCond: 3 };
  const clean = computeAlignment(synth({ ...base, seed: 11, noise: 0 }).datasets, { nFactors: 3, approach: "ridgeRegressGlobalPCs" });
  const noisy = computeAlignment(synth({ ...base, seed: 11, noise: 4 }).datasets, { nFactors: 3, approach: "ridgeRegressGlobalPCs" });
  assert.equal(clean.usingRidgeRegression, true);
  const lc = clean.ridge[1]!.lambda;
  const ln = noisy.ridge[1]!.lambda;
  assert.equal(clean.ridge[1]!.lambdas.length, 15);
  assert.ok(Math.abs(clean.ridge[1]!.lambdas[0]! - 1e-5) < 1e-20 && Math.abs(clean.ridge[1]!.lambdas[14]! - 100) < 1e-9);
  assert.ok(ln > lc, `noisy λ ${ln} should exceed clean λ ${lc}`);
  assert.ok(lc <= 1e-3, `clean λ ${lc}`);
  // the same through the MATLAB-style extra args, with per-channel normalisation
  const viaArgs = computeAlignment(synth({ ...base, seed: 11, noise: 4 }).datasets, {
    nFactors: 3,
    extraArgs: ["useRidgeRegression", true, "ridgeNormalizeEach", 1],
  });
  assert.equal(viaArgs.usingRidgeRegression, true);
  assert.ok(viaArgs.matrices.every((m) => m.every(Number.isFinite)));
});

test("ridgeCv: a single λ is the closed form (X̃ᵀX̃ + λI₀)⁻¹X̃ᵀY, and CV trains on K−1 folds and tests on the held-out one", () => {
  const rng = new Rng(5);
  const n = 9;
  const p = 3;
  const x = mat(n, p, Float64Array.from({ length: n * p }, () => rng.normal()));
  const y = mat(n, 2, Float64Array.from({ length: n * 2 }, () => rng.normal()));
  const sd = (() => {
    const v = Array.from(x.data);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  })();
  const closed = (rows: number[], lambda: number): Matrix => {
    const xt = new Matrix(rows.map((r) => [1, ...Array.from(x.data.subarray(r * p, r * p + p), (v) => v / sd)]));
    const yt = new Matrix(rows.map((r) => Array.from(y.data.subarray(r * 2, r * 2 + 2))));
    const i0 = Matrix.eye(p + 1).mul(lambda);
    i0.set(0, 0, 0);
    return solve(xt.transpose().mmul(xt).add(i0), xt.transpose().mmul(yt));
  };
  const one = ridgeCv(y, x, { lambdas: [0.7] });
  const b = closed([...Array(n).keys()], 0.7);
  for (let i = 0; i < p; i++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(one.w.data[i * 2 + j]! - b.get(i + 1, j) / sd) < 1e-10);
  for (let j = 0; j < 2; j++) assert.ok(Math.abs(one.intercept[j]! - b.get(0, j)) < 1e-10);

  // K = 3 folds: row r (0-based) is held out in fold (r + 1) mod 3
  const lambdas = [0.01, 1, 50];
  const cv = ridgeCv(y, x, { lambdas, kFold: 3 });
  lambdas.forEach((lambda, li) => {
    let mse = 0;
    for (let f = 0; f < 3; f++) {
      const test = [...Array(n).keys()].filter((r) => (r + 1) % 3 === f);
      const train = [...Array(n).keys()].filter((r) => (r + 1) % 3 !== f);
      const bf = closed(train, lambda);
      let se = 0;
      for (const r of test) {
        for (let j = 0; j < 2; j++) {
          let yhat = bf.get(0, j);
          for (let i = 0; i < p; i++) yhat += (x.data[r * p + i]! / sd) * bf.get(i + 1, j);
          se += (yhat - y.data[r * 2 + j]!) ** 2;
        }
      }
      mse += se / (test.length * 2) / 3;
    }
    assert.ok(Math.abs(cv.cvMse[li]! - mse) < 1e-10, `cv mse for λ=${lambda}: ${cv.cvMse[li]} vs ${mse}`);
  });
  assert.equal(cv.lambda, lambdas[cv.cvMse.indexOf(Math.min(...cv.cvMse))]);
});

test("partially shared conditions: pairwise PCA, a warning naming what is missing, NaN/null where masked", () => {
  const s = synth({ seed: 21, nCh: [6, 5], nCond: 5, T: 12, nLatent: 2, trialsPerCond: 6, noise: 0.05, absent: (d, c) => d === 1 && c === 4 });
  const w = captureWarnings();
  const res = computeAlignment(s.datasets, { nFactors: 2 });
  w.restore();
  assert.ok(w.list.some((m) => /only 4 of 5 conditions are present in every dataset/.test(m) && /'session2' lacks \{5\}/.test(m)), w.list.join("\n"));
  assert.equal(res.pcaRows, "pairwise");
  assert.deepEqual(res.sharedConditions, [1, 2, 3, 4]);
  assert.ok(res.matrices.every((m) => m.every(Number.isFinite)));
  // condition 5 (index 4) is NaN in the global PCs and both reconstructions
  for (let f = 0; f < 2; f++) for (let t = 0; t < 12; t++) assert.ok(Number.isNaN(res.globalPCs.data[(f * 12 + t) * 5 + 4]!));

  const plot = alignmentReconstructionData(res, { factors: 2, conditionIds: [1, 5], binMs: 10 });
  assert.deepEqual(plot.time.slice(0, 3), [0, 10, 20]);
  assert.deepEqual(plot.factors, [0, 1]);
  assert.deepEqual(plot.conditions.map((c) => c.label), ["Condition 1", "Condition 5"]);
  assert.deepEqual(plot.datasetNames, ["session1", "session2"]);
  assert.equal(plot.panels.length, 2);
  assert.equal(plot.panels[0]!.length, 2);
  const p00 = plot.panels[1]![0]!;
  assert.equal(p00.factorLabel, "Factor 2");
  assert.equal(p00.conditionId, 1);
  for (let t = 0; t < 12; t++) {
    assert.equal(p00.global[t], res.globalPCs.data[(1 * 12 + t) * 5 + 0]);
    assert.equal(p00.datasets[1]!.values[t], res.reconstructions[1]!.data[(1 * 12 + t) * 5 + 0]);
  }
  assert.ok(plot.panels[0]![1]!.global.every((v) => v === null));
  assert.ok(plot.panels[0]![1]!.datasets.every((d) => d.values.every((v) => v === null)));
  // defaults: first min(6, k) factors, first min(6, nConditions) conditions; datasets by name
  const dflt = alignmentReconstructionData(res, { datasets: ["session2"] });
  assert.deepEqual(dflt.factors, [0, 1]);
  assert.equal(dflt.conditions.length, 5);
  assert.deepEqual(dflt.panels[0]![0]!.datasets.map((d) => d.dataset), ["session2"]);
  assert.throws(() => alignmentReconstructionData(res, { factors: [2] }), (e: unknown) => e instanceof ParamError && /factor index 2 is out of range \[0, 1\]/.test(e.message));
  assert.throws(() => alignmentReconstructionData(res, { datasets: ["sesion1"] }), (e: unknown) => e instanceof ParamError && /Did you mean 'session1'/.test(e.message));
  assert.throws(() => alignmentReconstructionData(res, { conditionIds: [9] }), (e: unknown) => e instanceof ParamError && /no condition with id 9/.test(e.message));
});

test("a silent channel: OLS warns about rank and gives it zero weight; ridge with per-channel normalisation stays finite", () => {
  const s = synth({ seed: 4, nCh: [6, 5], nCond: 4, T: 10, nLatent: 2, trialsPerCond: 5, noise: 0.05 });
  const d0 = s.datasets[0]!;
  const [nTrials, nCh, T] = d0.counts.shape;
  for (let r = 0; r < nTrials; r++) for (let t = 0; t < T; t++) d0.counts.data[(r * nCh + 2) * T + t] = 0;
  const w = captureWarnings();
  const ols = computeAlignment(s.datasets, { nFactors: 2 });
  w.restore();
  assert.ok(w.list.some((m) => /dataset 'session1': its 6 channels are linearly dependent .* \(rank 5\)/.test(m)), w.list.join("\n"));
  assert.equal(ols.biases[0]![2], 0);
  assert.ok(Math.abs(ols.matrices[0]![2 * 2]!) < 1e-12 && Math.abs(ols.matrices[0]![2 * 2 + 1]!) < 1e-12);
  const rr = computeAlignment(s.datasets, { nFactors: 2, approach: "ridgeRegressGlobalPCs", extraArgs: { ridgeNormalizeEach: true } });
  assert.ok(rr.matrices.every((m) => m.every(Number.isFinite)));
  assert.ok(Math.abs(rr.matrices[0]![2 * 2]!) < 1e-12);
});

test("condition averages: NaN-ignoring means over each condition's training trials only (Float32 counts accepted)", () => {
  const s = synth({ seed: 9, nCh: [3, 4], nCond: 3, T: 5, nLatent: 2, trialsPerCond: 6, noise: 0.2 });
  const d = s.datasets[0]!;
  const [, nCh, T] = d.counts.shape;
  const train = Array.from(d.trainInds);
  const r0 = train[0]!;
  d.counts.data[(r0 * nCh + 1) * T + 3] = NaN;
  const f32 = { ...s.datasets[1]!, counts: { data: Float32Array.from(s.datasets[1]!.counts.data), shape: s.datasets[1]!.counts.shape } };
  const res = computeAlignment([d, f32], { nFactors: 2 });
  const c0 = res.conditions.indexOf(d.conditionIds[r0]!);
  const same = train.filter((r) => d.conditionIds[r] === d.conditionIds[r0] && r !== r0);
  const expect = same.reduce((acc, r) => acc + d.counts.data[(r * nCh + 1) * T + 3]!, 0) / same.length;
  assert.ok(Math.abs(res.conditionAverages[0]!.data[(1 * T + 3) * 3 + c0]! - expect) < 1e-12);
  assert.ok(res.matrices.every((m) => m.every(Number.isFinite)));
});

// ------------------------------------------------------------------------------------------------
// error paths

function small(nCh = [4, 3], T = 6, seed = 1): AlignmentDatasetInput[] {
  return synth({ seed, nCh, nCond: 3, T, nLatent: 2, trialsPerCond: 4, noise: 0.1 }).datasets;
}

test("error: datasets whose number of time bins differ", () => {
  const a = small([4], 6)[0]!;
  const b = { ...small([3], 7, 2)[0]!, name: "other" };
  assert.throws(
    () => computeAlignment([a, b], { nFactors: 2 }),
    (e: unknown) => e instanceof ShapeError && e.message === "alignment: Number of timepoints (after rebinning) of all datasets must match, got 'session1' 6 bins, 'other' 7 bins; crop or pad the trials to a common window",
  );
});

test("error: too few conditions × time bins for the requested factors", () => {
  // 3 conditions × 2 bins = 6 points; 7 channels → k = 6 needs 7
  assert.throws(
    () => computeAlignment(small([4, 3], 2), { nFactors: 6 }),
    (e: unknown) =>
      e instanceof DataError &&
      e.message ===
        "alignment: too few conditions for the requested factors: finding 6 factor(s) needs at least 7 condition-averaged time points (conditions shared by every dataset × time bins), " +
          "but datasets 'session1' and 'session2' have 6 (3 condition(s) × 2 bin(s)); lower c_factors_dim or add conditions",
  );
  // one dataset: the same check on its own conditions
  assert.throws(
    () => computeAlignment(small([4], 1), { nFactors: 3, singleDataset: true }),
    (e: unknown) => e instanceof DataError && /finding 3 factor\(s\) needs at least 4 .* but dataset 'session1' has 3 \(3 condition\(s\) × 1 bin\(s\)\)/.test(e.message),
  );
});

test("error: no condition ids", () => {
  const ds = small();
  const none = { ...ds[1]!, conditionIds: Array.from(ds[1]!.conditionIds, () => NaN) };
  assert.throws(
    () => computeAlignment([ds[0]!, none], { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message.startsWith("alignment: no condition ids in the training trials of dataset 'session2';"),
  );
  const none0 = { ...ds[0]!, conditionIds: Array.from(ds[0]!.conditionIds, () => "") };
  const none1 = { ...ds[1]!, conditionIds: Array.from(ds[1]!.conditionIds, () => "") };
  assert.throws(
    () => computeAlignment([none0, none1], { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && /no condition ids in the training trials of any dataset \('session1' and 'session2'\)/.test(e.message),
  );
});

test("error: condition ids that share no condition across datasets", () => {
  const ds = small();
  const shifted = { ...ds[1]!, conditionIds: Array.from(ds[1]!.conditionIds, (c) => (c as number) + 10) };
  assert.throws(
    () => computeAlignment([ds[0]!, shifted], { nFactors: 2 }),
    (e: unknown) =>
      e instanceof DataError &&
      e.message === "alignment: the datasets share no condition id, so their condition averages cannot be matched (mismatched condition ids): 'session1' has {1, 2, 3}; 'session2' has {11, 12, 13}",
  );
  const strings = { ...ds[1]!, conditionIds: Array.from(ds[1]!.conditionIds, (c) => String(c)) };
  assert.throws(
    () => computeAlignment([ds[0]!, strings], { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message === "alignment: condition ids are numbers in 'session1' but strings in 'session2'; they must be of one kind to be matched across datasets",
  );
  const mixed = { ...ds[1]!, conditionIds: Array.from(ds[1]!.conditionIds, (c, i) => (i === 3 ? "x" : c)) };
  assert.throws(
    () => computeAlignment([ds[0]!, mixed], { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && /dataset 'session2': conditionId field must contain numeric or string values, not a mix/.test(e.message),
  );
});

test("error: NaNs in the result (validateAlignment) and overflowing counts", () => {
  const names = ["s1", "s2"];
  const ok = [new Float64Array(4), new Float64Array(2)];
  const bias = [new Float64Array(2), new Float64Array(1)];
  validateAlignment(ok, bias, { datasetNames: names, nChannels: [2, 1], nFactors: 2 });
  const bad = [new Float64Array(4), Float64Array.from([0, NaN])];
  assert.throws(
    () => validateAlignment(bad, bias, { datasetNames: names, nChannels: [2, 1], nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message === "alignment: NaNs in the alignment matrix for dataset 's2' (channel 0, factor 1 is NaN)",
  );
  assert.throws(
    () => validateAlignment(ok, [new Float64Array(2), Float64Array.from([NaN])], { datasetNames: names, nChannels: [2, 1], nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message === "alignment: NaNs in the alignment biases for dataset 's2' (channel 0 is NaN)",
  );
  assert.throws(
    () => validateAlignment(ok, bias, { datasetNames: names, nChannels: [2, 2], nFactors: 2 }),
    (e: unknown) => e instanceof ShapeError && /dataset 's2': alignment matrix has 2 values, expected 2 channels × 2 factors = 4/.test(e.message),
  );
  const ds = small();
  ds[0]!.counts.data.fill(1.7e308);
  assert.throws(
    () => computeAlignment(ds, { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message === "alignment: condition average of dataset 'session1' channel 0 overflows (counts too large)",
  );
  const nanCh = small();
  nanCh[1]!.counts.data.fill(NaN, 0); // every count of session2 (NaN counts are otherwise ignored)
  assert.throws(
    () => computeAlignment(nanCh, { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && e.message === "alignment: dataset 'session2' channel 0 has only NaN counts in its training trials, so it has no mean (alignment bias)",
  );
  const inf = small();
  inf[1]!.counts.data[(Array.from(inf[1]!.trainInds)[0]! * 3 + 1) * 6 + 2] = Infinity;
  assert.throws(
    () => computeAlignment(inf, { nFactors: 2 }),
    (e: unknown) => e instanceof DataError && /dataset 'session2': infinite count in trial \d+, channel 1, bin 2/.test(e.message),
  );
});

test("error: bad options and malformed inputs", () => {
  const ds = small();
  assert.throws(() => computeAlignment(ds, { nFactors: 0 }), (e: unknown) => e instanceof ParamError && /nFactors \(c_factors_dim\) must be a positive integer, got 0/.test(e.message));
  assert.throws(
    () => computeAlignment(ds, { nFactors: 2, approach: "regresGlobalPCs" }),
    (e: unknown) => e instanceof ParamError && e.message.startsWith("Unknown alignmentApproach 'regresGlobalPCs'") && /Did you mean 'regressGlobalPCs'/.test(e.message),
  );
  assert.throws(
    () => computeAlignment(ds, { nFactors: 2, extraArgs: ["useRidgeRegresion", true] }),
    (e: unknown) => e instanceof ParamError && /unknown parameter 'useRidgeRegresion'/.test(e.message) && /Did you mean 'useRidgeRegression'/.test(e.message),
  );
  assert.throws(() => computeAlignment(ds, { nFactors: 2, extraArgs: ["useRidgeRegression"] }), (e: unknown) => e instanceof ParamError && /odd number \(1\)/.test(e.message));
  assert.throws(() => computeAlignment(ds, { nFactors: 2, extraArgs: { ridgeNormalizeEach: "yes" } }), (e: unknown) => e instanceof ParamError && /'ridgeNormalizeEach' must be logical/.test(e.message));
  assert.throws(
    () => computeAlignment(ds, { nFactors: 2, approach: "ridgeRegressGlobalPCs", extraArgs: ["useRidgeRegression", false] }),
    (e: unknown) => e instanceof ParamError && /conflicts with alignmentExtraArgs useRidgeRegression=false/.test(e.message),
  );
  assert.throws(() => computeAlignment(ds, { nFactors: 2, singleDataset: true }), (e: unknown) => e instanceof ParamError && /needs exactly one dataset, got 2 \('session1' and 'session2'\)/.test(e.message));
  assert.throws(
    () => computeAlignment([ds[0]!, { ...ds[1]!, trainInds: [0, 99] }], { nFactors: 2 }),
    (e: unknown) => e instanceof ParamError && /dataset 'session2': train index 99 is not a 0-based trial index/.test(e.message),
  );
  assert.throws(() => computeAlignment([ds[0]!, { ...ds[1]!, trainInds: [] }], { nFactors: 2 }), (e: unknown) => e instanceof DataError && /'session2' has no training trials/.test(e.message));
  assert.throws(
    () => computeAlignment([ds[0]!, { ...ds[1]!, conditionIds: [1, 2] }], { nFactors: 2 }),
    (e: unknown) => e instanceof ShapeError && /dataset 'session2': 2 condition ids for \d+ trials/.test(e.message),
  );
  assert.throws(() => computeAlignment([ds[0]!, { ...ds[1]!, name: "session1" }], { nFactors: 2 }), (e: unknown) => e instanceof ParamError && /'session1' appears more than once/.test(e.message));
});
