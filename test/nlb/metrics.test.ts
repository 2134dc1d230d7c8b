/** NLB metrics: hand-computed small cases for each, and the same formulas computed by numpy/scikit-learn. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { array3d } from "../../src/core/array3d.js";
import { Rng } from "../../src/core/rng.js";
import {
  bitsPerSpike,
  fitPoissonGlm,
  gaussianWindow,
  kFoldBounds,
  poissonNll,
  psthR2,
  r2Uniform,
  ridgeGridCv,
  smoothSpikes,
  velocityR2,
} from "../../src/nlb/index.js";

const PYTHON = "/usr/bin/python3";
const t3 = (data: number[], shape: [number, number, number]) => array3d(Float64Array.from(data), shape);
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("bits per spike: log2(1.5) by hand; NaN spikes skipped; a zero rate is 1e-9; negative rates refused", () => {
  // spikes [0, 2], null rate 1: NLL(null) = 2 + ln 2, NLL(r = [0.5, 1.5]) = 2 − 2 ln 1.5 + ln 2 ⇒ bps = 2 ln 1.5 / (2 ln 2)
  close(bitsPerSpike(t3([0.5, 1.5], [1, 2, 1]), t3([0, 2], [1, 2, 1])), Math.log2(1.5), 1e-12, "bps");
  close(bitsPerSpike(t3([0.5, 1.5, 7], [1, 3, 1]), t3([0, 2, NaN], [1, 3, 1])), Math.log2(1.5), 1e-12, "bps with a NaN bin");
  close(poissonNll(t3([0, 1], [1, 2, 1]), t3([0, 3], [1, 2, 1])), 1e-9 + 1 + Math.log(6), 1e-12, "NLL");
  assert.throws(() => bitsPerSpike(t3([-0.1, 1], [1, 2, 1]), t3([0, 1], [1, 2, 1])), /rate -0\.1 at \[trial 0, bin 0, neuron 0\] is negative/);
});

test("R², K-fold bounds and ridge by hand", () => {
  close(r2Uniform([1, 2, 3], [1, 2, 4], 1), 0.5, 1e-12, "R²");
  close(r2Uniform([1, 10, 2, 10, 3, 10], [1, 10, 2, 10, 4, 10], 2), 0.75, 1e-12, "R², a constant column predicted exactly scores 1");
  assert.deepEqual(kFoldBounds(12, 5), [[0, 3], [3, 6], [6, 8], [8, 10], [10, 12]]);
  // y = 2x + 1 on x = 0..3: Sxx = 5, Sxy = 10 ⇒ w = 10 / (5 + α); α = 1: w = 5/3, b = ȳ − x̄w = 4 − 1.5·5/3 = 1.5
  const fit = ridgeGridCv({ data: Float64Array.of(0, 1, 2, 3), n: 4, p: 1 }, { data: Float64Array.of(1, 3, 5, 7), n: 4, p: 1 }, [1], 2);
  close(fit.w[0]!, 5 / 3, 1e-12, "w");
  close(fit.intercept[0]!, 1.5, 1e-12, "b");
});

test("PSTH R² by hand: conditions stacked over the target's non-NaN bins", () => {
  // c0 target [1, 2], eval trials 0 and 1 average [1, 2]; c1 target [3, NaN], trial 2 gives 5 at bin 0:
  // truth [1, 2, 3], prediction [1, 2, 5]: SS_tot 2, SS_res 4 ⇒ R² = −1
  const psth = t3([1, 2, 3, NaN], [2, 2, 1]);
  const rates = t3([1, 3, 1, 1, 5, 9], [3, 2, 1]);
  close(psthR2(psth, rates, [[0, 1], [2]]), -1, 1e-12, "psth R²");
});

test("Gaussian window and smoothing by hand; the Poisson GLM's maximum likelihood with one binary input", () => {
  const w = gaussianWindow(1);
  assert.equal(w.length, 6);
  close(w[2]! / w[0]!, Math.exp(-0.5 * (0.5 ** 2 - 2.5 ** 2)), 1e-12, "window shape centred at 2.5");
  // one spike at bin 3 of 8, SD 5 ms at 5-ms bins (1 bin): np.convolve(x, w, 'same') puts w[j] at bin 3 − 2 + j
  const s = smoothSpikes(t3([0, 0, 0, 1, 0, 0, 0, 0], [1, 8, 1]), 5, 5);
  assert.deepEqual(Array.from(s.data, (v) => +v.toFixed(12)), [0, w[0]!, w[1]!, w[2]!, w[3]!, w[4]!, w[5]!, 0].map((v) => +v.toFixed(12)));
  // SD 50 ms at 20-ms bins is 2.5 bins: Python's round() (nlb_tools) makes it 2 (a 12-tap window), not 3 (18 taps)
  const wide = smoothSpikes(t3([...new Array(30).fill(0).map((_, i) => (i === 15 ? 1 : 0))], [1, 30, 1]), 50, 20);
  assert.equal(Array.from(wide.data).filter((v) => v > 0).length, 12);
  assert.equal(Array.from(smoothSpikes(t3(new Array(30).fill(0).map((_, i) => (i === 15 ? 1 : 0)), [1, 30, 1]), 70, 20).data).filter((v) => v > 0).length, 24, "3.5 bins rounds to 4");
  // x ∈ {0, 1}: the MLE gives exp(b) = mean y at x = 0 (1.0) and exp(b + w) = mean y at x = 1 (3.0)
  const glm = fitPoissonGlm({ data: Float64Array.of(0, 0, 0, 1, 1, 1), n: 6, p: 1 }, [1, 0, 2, 3, 4, 2], 0);
  close(Math.exp(glm.b), 1, 1e-7, "exp(b)");
  close(Math.exp(glm.b + glm.w[0]!), 3, 1e-6, "exp(b + w)");
});

const PY_METRICS = String.raw`
import sys, json, numpy as np
from scipy.special import gammaln
from sklearn.linear_model import Ridge, PoissonRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.metrics import r2_score
d = json.loads(sys.stdin.read())
def bps(r, y):
    r, y = np.array(r, float), np.array(y, float)
    m = ~np.isnan(y)
    null = np.tile(np.nanmean(y, axis=(0, 1)), (y.shape[0], y.shape[1], 1))
    nll = lambda r: np.sum((np.where(r == 0, 1e-9, r) - y * np.log(np.where(r == 0, 1e-9, r)) + gammaln(y + 1))[m])
    return float((nll(null) - nll(r)) / (np.nansum(y) * np.log(2)))
out = {"bps": bps(d["rates"], d["spikes"])}
xtr, ytr, xev, yev = (np.array(d[k]) for k in ("xtr", "ytr", "xev", "yev"))
gs = GridSearchCV(Ridge(), {"alpha": np.logspace(-4, 0, 9)})
gs.fit(xtr, ytr)
out["alpha"] = float(gs.best_params_["alpha"])
out["vel_r2"] = float(r2_score(yev, gs.predict(xev)))
out["cv"] = gs.cv_results_["mean_test_score"].tolist()
w = np.exp(-0.5 * ((np.arange(12) - 5.5) / 2) ** 2); w /= w.sum()
out["smooth"] = np.convolve(np.array(d["series"], float), w, "same").tolist()
pr = PoissonRegressor(alpha=d["glm_alpha"], tol=1e-10, max_iter=1000).fit(np.array(d["gx"]), np.array(d["gy"]))
out["glm"] = [float(pr.intercept_)] + pr.coef_.tolist()
print(json.dumps(out))
`;

test("the metrics agree with numpy / scikit-learn computing the same formulas", (t) => {
  const probe = spawnSync(PYTHON, ["-c", "import sklearn, scipy"], { encoding: "utf8" });
  if (probe.status !== 0) return t.skip(`${PYTHON} lacks scikit-learn or scipy (apt-get install python3-sklearn python3-scipy)`);
  const rng = new Rng(11);
  const [nT, nB, n] = [6, 20, 4];
  const spikes = Array.from({ length: nT * nB * n }, (_, i) => (i % 37 === 5 ? NaN : rng.poisson(0.3 + (i % n) * 0.2)));
  const rates = Array.from({ length: nT * nB * n }, (_, i) => (i % 53 === 0 ? 0 : 0.2 + rng.uniform() * (0.3 + (i % n) * 0.2)));
  // decoding: 3 rate features, 2 behaviour channels, 47 train samples (uneven folds), 23 eval samples
  const sample = (m: number) => {
    const x = Array.from({ length: m }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
    const y = x.map((r) => [2 * r[0]! - r[1]! + 0.3 * rng.normal(), r[2]! * 0.5 + 0.3 * rng.normal()]);
    return { x, y };
  };
  const tr = sample(47);
  const ev = sample(23);
  const series = Array.from({ length: 30 }, () => rng.poisson(0.4));
  const gx = Array.from({ length: 200 }, () => [rng.uniform(), rng.uniform()]);
  const gy = gx.map((r) => rng.poisson(Math.exp(0.2 + r[0]! - 0.7 * r[1]!)));
  const input = { spikes: reshape(spikes, nT, nB, n), rates: reshape(rates, nT, nB, n), xtr: tr.x, ytr: tr.y, xev: ev.x, yev: ev.y, series, gx, gy, glm_alpha: 0.05 };
  const r = spawnSync(PYTHON, ["-c", PY_METRICS], { input: JSON.stringify(input, (_k, v: unknown) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v)).replace(/"NaN"/g, "NaN"), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as { bps: number; alpha: number; vel_r2: number; cv: number[]; smooth: number[]; glm: number[] };

  close(bitsPerSpike(t3(rates, [nT, nB, n]), t3(spikes, [nT, nB, n])), py.bps, 1e-10, "bits per spike");
  const flat = (rows: number[][]) => ({ data: Float64Array.from(rows.flat()), n: rows.length, p: rows[0]!.length });
  const fit = ridgeGridCv(flat(tr.x), flat(tr.y));
  fit.cvScores.forEach((s, i) => close(s, py.cv[i]!, 1e-10, `CV R² at α #${i}`));
  assert.equal(fit.alpha, py.alpha);
  const as3 = (rows: number[][]) => t3(rows.flat(), [1, rows.length, rows[0]!.length]);
  close(velocityR2({ trainRates: as3(tr.x), trainBehavior: as3(tr.y), evalRates: as3(ev.x), evalBehavior: as3(ev.y) }), py.vel_r2, 1e-10, "velocity R²");
  const sm = smoothSpikes(t3(series, [1, 30, 1]), 10, 5);
  sm.data.forEach((v, i) => close(v, py.smooth[i]!, 1e-12, `smoothed bin ${i}`));
  const glm = fitPoissonGlm(flat(gx), gy, 0.05, { tol: 1e-14 });
  [glm.b, ...glm.w].forEach((v, i) => close(v, py.glm[i]!, 1e-5, `GLM coefficient ${i}`));
});

function reshape(a: number[], nT: number, nB: number, n: number): number[][][] {
  return Array.from({ length: nT }, (_, t) => Array.from({ length: nB }, (_, b) => a.slice((t * nB + b) * n, (t * nB + b + 1) * n)));
}
