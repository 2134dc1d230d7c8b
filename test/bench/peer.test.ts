/**
 * The PyTorch peer (bench/peer/lfads_peer.py) against hand computations of the TF LFADS cost on scalar-sized
 * networks (one unit per layer), with weights and batches written here by h5wasm under their TF
 * `model_params` names. Skipped, with the reason logged, where no python3 imports torch and h5py.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { Rng } from "../../src/core/rng.js";
import { describeSearch, findTorchPython } from "../../bench/python.js";
import { PeerError, runPeer, type PeerCost, type PeerTiming } from "../../bench/peer.js";

const search = findTorchPython();
const python = search.found?.python ?? "";
const skip = search.found ? false : `no interpreter for the peer: ${describeSearch(search)}`;
if (skip) console.log(`# peer tests skipped: ${skip}`);

type Tensor = { data: number[]; shape: [number, number] };
type Weights = Map<string, Tensor>;

const v = (name: string): string => `LFADS_${name}:0`;
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const clip = (x: number, c: number): number => Math.min(c, Math.max(-c, x));
const logFactorial = (k: number): number => {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
};
const LOG_2PI = Math.log(2 * Math.PI);

interface Dims {
  N: number; ic_enc_dim: number; ic_dim: number; gen_dim: number; factors_dim: number;
  co_dim: number; ci_enc_dim: number; con_dim: number;
}

/** Every variable of lfads-model.md §1.4 for one dataset `ds` with the identity read-in, random N(0, 0.6²). */
function randomWeights(d: Dims, ds: string, rng: Rng): Weights {
  const w: Weights = new Map();
  const put = (name: string, r: number, c: number): void => {
    w.set(v(name), { data: Array.from({ length: r * c }, () => 0.6 * rng.normal()), shape: [r, c] });
  };
  const encoder = (enc: string, H: number): void => {
    for (const dir of ["fwd", "rev"]) {
      put(`${enc}_${dir}_${enc}_t0_${dir}`, 1, H);
      put(`${enc}_${dir}_GRU_Gates_xh_2_ru_W`, d.N + H, 2 * H);
      put(`${enc}_${dir}_GRU_Gates_xh_2_ru_b`, 1, 2 * H);
      put(`${enc}_${dir}_GRU_Candidate_xrh_2_c_W`, d.N + H, H);
      put(`${enc}_${dir}_GRU_Candidate_xrh_2_c_b`, 1, H);
    }
  };
  const gengru = (scope: string, inDim: number, H: number): void => {
    if (inDim > 0) put(`${scope}_GenGRU_Gates_x_2_ru_W`, inDim, 2 * H);
    put(`${scope}_GenGRU_Gates_h_2_ru_W`, H, 2 * H);
    put(`${scope}_GenGRU_Gates_h_2_ru_b`, 1, 2 * H);
    if (inDim > 0) put(`${scope}_GenGRU_Candidate_x_2_c_W`, inDim, H);
    put(`${scope}_GenGRU_Candidate_rh_2_c_W`, H, H);
    put(`${scope}_GenGRU_Candidate_rh_2_c_b`, 1, H);
  };
  encoder("ic_enc", d.ic_enc_dim);
  put("z_prior_g0_mean", 1, d.ic_dim);
  put("z_prior_g0_logvar", 1, d.ic_dim);
  for (const part of ["mean", "logvar"]) {
    put(`z_ic_enc_2_post_g0_${part}_W`, 2 * d.ic_enc_dim, d.ic_dim);
    put(`z_ic_enc_2_post_g0_${part}_b`, 1, d.ic_dim);
  }
  if (d.co_dim > 0) {
    encoder("ci_enc", d.ci_enc_dim);
    put("z_u_prior_ar1_logevars", 1, d.co_dim);
    put("z_u_prior_ar1_logatau", 1, d.co_dim);
    put("con_c0", 1, d.con_dim);
    gengru("con", 2 * d.ci_enc_dim + d.factors_dim, d.con_dim);
    for (const part of ["mean", "logvar"]) {
      put(`con_con_to_post_co_${part}_W`, d.con_dim, d.co_dim);
      put(`con_con_to_post_co_${part}_b`, 1, d.co_dim);
    }
  }
  if (d.ic_dim !== d.gen_dim) {
    put("gen_g0_2_gen_ic_W", d.ic_dim, d.gen_dim);
    put("gen_g0_2_gen_ic_b", 1, d.gen_dim);
  }
  gengru("gen", d.co_dim, d.gen_dim);
  put("gen_gen_2_fac_W", d.gen_dim, d.factors_dim);
  put(`glm_fac_2_logrates_${ds}_W`, d.factors_dim, d.N);
  put(`glm_fac_2_logrates_${ds}_b`, 1, d.N);
  return w;
}

function set(w: Weights, name: string, values: number[]): void {
  const t = w.get(v(name));
  if (!t) throw new Error(`test setup: no weight ${name}`);
  assert.equal(values.length, t.data.length, `test setup: ${name} size`);
  t.data = values;
}

function get(w: Weights, name: string): number[] {
  const t = w.get(v(name));
  if (!t) throw new Error(`test setup: no weight ${name}`);
  return t.data;
}

async function writeWeights(file: string, w: Weights): Promise<void> {
  await writeH5Atomic(file, (f) => {
    for (const [name, t] of w) writeArray(f, name, { data: Float64Array.from(t.data), shape: t.shape });
    // what TF model_params also holds (Adam slots, step): must be ignored
    writeArray(f, "LFADS_gen_gen_2_fac_W_Adam:0", { data: new Float64Array(w.get(v("gen_gen_2_fac_W"))!.data.length), shape: w.get(v("gen_gen_2_fac_W"))!.shape });
    writeArray(f, "LFADS_global_step:0", { data: BigInt64Array.of(7n), shape: [] });
  });
}

interface Batch { data: number[][][]; eps_g0: number[][]; eps_co?: number[][][] }

async function writeBatch(file: string, b: Batch): Promise<void> {
  const B = b.data.length, T = b.data[0]!.length, N = b.data[0]![0]!.length;
  await writeH5Atomic(file, (f) => {
    writeArray(f, "data", { data: Int32Array.from(b.data.flat(2)), shape: [B, T, N] });
    writeArray(f, "eps_g0", { data: Float64Array.from(b.eps_g0.flat()), shape: [B, b.eps_g0[0]!.length] });
    if (b.eps_co) writeArray(f, "eps_co", { data: Float64Array.from(b.eps_co.flat(2)), shape: [B, T, b.eps_co[0]![0]!.length] });
  });
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "lfads-peer-test-"));
}

function peerCost(config: object, weights: string, batch: string): PeerCost {
  return runPeer<PeerCost>(python, "cost", config, { args: ["--weights", weights, "--batch", batch], timeoutMs: 120_000 });
}

const close = (actual: number, expected: number, what: string, rel = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: peer ${actual}, hand ${expected}`);
};

/** One TF `GRU` step (encoder cell), one unit, input x [N]: W_ru [N+1, 2], W_c [N+1, 1]. */
function encoderStep(w: Weights, scope: string, x: number[], h: number, cellClip: number): number {
  const Wru = get(w, `${scope}_GRU_Gates_xh_2_ru_W`), bru = get(w, `${scope}_GRU_Gates_xh_2_ru_b`);
  const Wc = get(w, `${scope}_GRU_Candidate_xrh_2_c_W`), bc = get(w, `${scope}_GRU_Candidate_xrh_2_c_b`);
  const N = x.length;
  let rPre = bru[0]! + h * Wru[N * 2]!;
  let uPre = bru[1]! + h * Wru[N * 2 + 1]!;
  for (let n = 0; n < N; n++) {
    rPre += x[n]! * Wru[n * 2]!;
    uPre += x[n]! * Wru[n * 2 + 1]!;
  }
  const r = sig(rPre), u = sig(uPre + 1);
  let cPre = bc[0]! + r * h * Wc[N]!;
  for (let n = 0; n < N; n++) cPre += x[n]! * Wc[n]!;
  return clip(u * h + (1 - u) * Math.tanh(cPre), cellClip);
}

/** One TF `GenGRU` step of a one-unit cell (`scope` gen or con) with input x (or none): W_x [d, 2], W_h [1, 2]. */
function genGruStep(w: Weights, scope: string, x: number[] | null, h: number, cellClip: number): number {
  const Whru = get(w, `${scope}_GenGRU_Gates_h_2_ru_W`), bru = get(w, `${scope}_GenGRU_Gates_h_2_ru_b`);
  const Whc = get(w, `${scope}_GenGRU_Candidate_rh_2_c_W`), bc = get(w, `${scope}_GenGRU_Candidate_rh_2_c_b`);
  let rPre = h * Whru[0]! + bru[0]!, uPre = h * Whru[1]! + bru[1]!;
  const Wxru = x ? get(w, `${scope}_GenGRU_Gates_x_2_ru_W`) : [];
  const Wxc = x ? get(w, `${scope}_GenGRU_Candidate_x_2_c_W`) : [];
  x?.forEach((xi, i) => {
    rPre += xi * Wxru[2 * i]!;
    uPre += xi * Wxru[2 * i + 1]!;
  });
  const r = sig(rPre), u = sig(uPre + 1);
  let cPre = bc[0]! + r * h * Whc[0]!;
  x?.forEach((xi, i) => {
    cPre += xi * Wxc[i]!;
  });
  return clip(u * h + (1 - u) * Math.tanh(cPre), cellClip);
}

/** The one-unit factor: the generator state times the unit-norm column of gen_2_fac. */
function factor(w: Weights, s: number): number {
  const Wfac = get(w, "gen_gen_2_fac_W")[0]!;
  return s * (Wfac / Math.abs(Wfac));
}

/** Final states [forward after x_{T-1}, reverse after x_0] and all states of a one-unit encoder pair. */
function encodePair(w: Weights, enc: string, xb: number[][], cellClip: number): { fwd: number[]; rev: number[] } {
  const T = xb.length;
  const fwd: number[] = [], rev: number[] = new Array<number>(T);
  let h = get(w, `${enc}_fwd_${enc}_t0_fwd`)[0]!;
  for (let t = 0; t < T; t++) fwd.push((h = encoderStep(w, `${enc}_fwd`, xb[t]!, h, cellClip)));
  h = get(w, `${enc}_rev_${enc}_t0_rev`)[0]!;
  for (let t = T - 1; t >= 0; t--) rev[t] = h = encoderStep(w, `${enc}_rev`, xb[t]!, h, cellClip);
  return { fwd, rev };
}

/** g0 posterior mean and log-variance (with the 1e-4 variance floor) from the one-unit IC encoder states. */
function g0Posterior(w: Weights, hf: number, hb: number): { mu: number; lv: number } {
  const lin = (part: string) => {
    const W = get(w, `z_ic_enc_2_post_g0_${part}_W`);
    return hf * W[0]! + hb * W[1]! + get(w, `z_ic_enc_2_post_g0_${part}_b`)[0]!;
  };
  return { mu: lin("mean"), lv: Math.log(Math.exp(lin("logvar")) + 1e-4) };
}

/** Poisson log-likelihood of one bin through the one-unit generator, factor and read-out [1, N]. */
function binLogLik(w: Weights, ds: string, s: number, x: number[]): number {
  const f = factor(w, s);
  const Wout = get(w, `glm_fac_2_logrates_${ds}_W`), bout = get(w, `glm_fac_2_logrates_${ds}_b`);
  let ll = 0;
  x.forEach((xn, n) => {
    const logr = f * Wout[n]! + bout[n]!;
    ll += xn * logr - Math.exp(logr) - logFactorial(xn);
  });
  return ll;
}

function klGaussian(muQ: number, lvQ: number, muP: number, lvP: number): number {
  return 0.5 * (lvP - lvQ + Math.exp(lvQ - lvP) + (muQ - muP) ** 2 / Math.exp(lvP) - 1);
}

function sumOfSquares(w: Weights, names: string[]): { ss: number; numel: number } {
  let ss = 0, numel = 0;
  for (const n of names) for (const x of get(w, n)) { ss += x * x; numel++; }
  return { ss, numel };
}

const REC = (scope: string) => [
  `${scope}_GenGRU_Gates_h_2_ru_W`, `${scope}_GenGRU_Gates_h_2_ru_b`,
  `${scope}_GenGRU_Candidate_rh_2_c_W`, `${scope}_GenGRU_Candidate_rh_2_c_b`,
];

test("cost without a controller matches a hand computation (encoder, g0, generator, clip, Poisson, L2, ramps)", { skip }, async () => {
  const dims: Dims = { N: 2, ic_enc_dim: 1, ic_dim: 1, gen_dim: 1, factors_dim: 1, co_dim: 0, ci_enc_dim: 0, con_dim: 0 };
  // keep_prob < 1 on purpose: cost mode must force 1. cell_clip 0.5 so that the clip bites.
  const config = { ...dims, B: 2, T: 2, keep_prob: 0.8, cell_clip: 0.5, step: 500, l2_gen_scale: 2000 };
  const ds = "mydata";
  const w = randomWeights(dims, ds, new Rng(12));
  set(w, "z_prior_g0_logvar", [Math.log(0.2)]);
  set(w, "gen_gen_2_fac_W", [-0.8]);
  const batch: Batch = { data: [[[1, 0], [3, 2]], [[0, 0], [1, 4]]], eps_g0: [[0.7], [-1.3]] };
  const dir = tmpdir();
  try {
    await writeWeights(path.join(dir, "w.h5"), w);
    await writeBatch(path.join(dir, "b.h5"), batch);
    const got = peerCost(config, path.join(dir, "w.h5"), path.join(dir, "b.h5"));

    let recon = 0, kl = 0;
    let clipped = false;
    let genFree = 0;
    for (const [b, xb] of batch.data.entries()) {
      const enc = encodePair(w, "ic_enc", xb, 0.5);
      const hf = enc.fwd[1]!, hb = enc.rev[0]!;
      clipped ||= Math.abs(hf) === 0.5 || Math.abs(hb) === 0.5;
      const { mu, lv } = g0Posterior(w, hf, hb);
      kl += klGaussian(mu, lv, get(w, "z_prior_g0_mean")[0]!, Math.log(0.2));
      let s = mu + Math.exp(0.5 * lv) * batch.eps_g0[b]![0]!; // ic_dim == gen_dim: identity g0 -> generator
      for (let t = 0; t < 2; t++) {
        s = genGruStep(w, "gen", null, s, 0.5);
        if (Math.abs(s) < 0.5) genFree++;
        recon -= binLogLik(w, ds, s, xb[t]!);
      }
    }
    recon /= 2;
    kl /= 2;
    const { ss, numel } = sumOfSquares(w, REC("gen"));
    const l2 = (0.5 * 2000 * ss) / numel;
    close(got.recon, recon, "recon");
    close(got.kl, kl, "kl");
    close(got.l2, l2, "l2");
    assert.equal(got.kl_weight, 0.25);
    assert.equal(got.l2_weight, 0.25);
    close(got.total, recon + 0.25 * kl + 0.25 * l2, "total");
    assert.ok(clipped, "test setup: the encoder state clip should bind for at least one trial");
    assert.ok(genFree >= 2, "test setup: most generator states should stay inside the clip");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("cost with a controller matches a hand computation (CI encoders, lag, factor feedback, AR(1) sampled KL, L2 denominator)", { skip }, async () => {
  const dims: Dims = { N: 2, ic_enc_dim: 1, ic_dim: 1, gen_dim: 1, factors_dim: 1, co_dim: 1, ci_enc_dim: 1, con_dim: 1 };
  const T = 4;
  const config = { ...dims, B: 2, T, keep_prob: 0.95, step: 3000, kl_co_weight: 0.5, controller_input_lag: 1 };
  const ds = "d0";
  const w = randomWeights(dims, ds, new Rng(5));
  set(w, "z_prior_g0_logvar", [Math.log(0.1)]);
  set(w, "z_u_prior_ar1_logatau", [Math.log(4)]);
  set(w, "z_u_prior_ar1_logevars", [Math.log(0.3)]);
  const batch: Batch = {
    data: [[[2, 0], [1, 1], [0, 3], [1, 0]], [[0, 1], [5, 0], [1, 2], [0, 0]]],
    eps_g0: [[0.4], [-0.9]],
    eps_co: [[[0.3], [-1.1], [0.8], [0.1]], [[1.6], [0.2], [-0.5], [-0.7]]],
  };
  const dir = tmpdir();
  try {
    await writeWeights(path.join(dir, "w.h5"), w);
    await writeBatch(path.join(dir, "b.h5"), batch);
    const got = peerCost(config, path.join(dir, "w.h5"), path.join(dir, "b.h5"));

    const phi = Math.exp(-1 / 4), evar = 0.3, pvar = evar / (1 - phi * phi);
    const logN = (x: number, m: number, varr: number) => -0.5 * (LOG_2PI + Math.log(varr) + (x - m) ** 2 / varr);
    const coLin = (part: string, k: number) =>
      k * get(w, `con_con_to_post_co_${part}_W`)[0]! + get(w, `con_con_to_post_co_${part}_b`)[0]!;
    let recon = 0, klG0 = 0, klCo = 0;
    for (const [b, xb] of batch.data.entries()) {
      const ic = encodePair(w, "ic_enc", xb, 5);
      const { mu, lv } = g0Posterior(w, ic.fwd[T - 1]!, ic.rev[0]!);
      klG0 += klGaussian(mu, lv, get(w, "z_prior_g0_mean")[0]!, Math.log(0.1));
      let s = mu + Math.exp(0.5 * lv) * batch.eps_g0[b]![0]!;
      let f = factor(w, s); // f_{-1}, fed to the controller at t = 0
      const ci = encodePair(w, "ci_enc", xb, 5);
      let k = get(w, "con_c0")[0]!;
      let uPrev = 0;
      for (let t = 0; t < T; t++) {
        // lag 1: forward CI state of t-1, reverse CI state of t+1, zeros past either end
        const conIn = [t >= 1 ? ci.fwd[t - 1]! : 0, t + 1 < T ? ci.rev[t + 1]! : 0, f];
        k = genGruStep(w, "con", conIn, k, 5);
        const eps = batch.eps_co![b]![t]![0]!;
        const lvU = coLin("logvar", k);
        const u = coLin("mean", k) + Math.exp(0.5 * lvU) * eps;
        const logQ = -0.5 * (lvU + LOG_2PI + eps * eps);
        klCo += logQ - (t === 0 ? logN(u, 0, pvar) : logN(u, phi * uPrev, evar));
        uPrev = u;
        s = genGruStep(w, "gen", [u], s, 5);
        f = factor(w, s);
        recon -= binLogLik(w, ds, s, xb[t]!);
      }
    }
    recon /= 2;
    const kl = (klG0 + 0.5 * klCo) / 2;
    const gen = sumOfSquares(w, REC("gen"));
    const con = sumOfSquares(w, REC("con"));
    const l2 = (0.5 * 2000 * gen.ss) / (gen.numel + con.numel); // l2_con_scale = 0, yet its variables count
    close(got.recon, recon, "recon");
    close(got.kl_g0, klG0 / 2, "kl_g0");
    close(got.kl_co, klCo / 2, "kl_co");
    close(got.kl, kl, "kl");
    close(got.l2, l2, "l2");
    close(got.total, recon + kl + l2, "total (both ramps done at step 3000)");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the factor matrix is column-normalised: scaling its columns leaves the cost unchanged, scaling a row does not", { skip }, async () => {
  const dims: Dims = { N: 3, ic_enc_dim: 3, ic_dim: 2, gen_dim: 4, factors_dim: 3, co_dim: 1, ci_enc_dim: 2, con_dim: 3 };
  const config = { ...dims, B: 2, T: 3, step: 100 };
  const w = randomWeights(dims, "s", new Rng(9));
  const dir = tmpdir();
  const costWith = async (fac: number[], tag: string): Promise<PeerCost> => {
    set(w, "gen_gen_2_fac_W", fac);
    await writeWeights(path.join(dir, `w${tag}.h5`), w);
    return peerCost(config, path.join(dir, `w${tag}.h5`), path.join(dir, "b.h5"));
  };
  try {
    const rng = new Rng(3);
    await writeBatch(path.join(dir, "b.h5"), {
      data: [0, 1].map(() => [0, 1, 2].map(() => [0, 1, 2].map(() => rng.poisson(1.5)))),
      eps_g0: [[0.2, -0.4], [1.1, 0.5]],
      eps_co: [[[0.1], [0.9], [-0.3]], [[-1.2], [0.4], [0.0]]],
    });
    const fac = [...get(w, "gen_gen_2_fac_W")]; // [G=4, F=3], row-major
    const base = await costWith(fac, "0");
    const colScaled = fac.map((x, i) => x * [3, 0.25, 7][i % 3]!);
    const byColumns = await costWith(colScaled, "1");
    close(byColumns.total, base.total, "total after column scaling", 1e-12);
    const rowScaled = fac.map((x, i) => (Math.floor(i / 3) === 0 ? 3 * x : x));
    const byRow = await costWith(rowScaled, "2");
    assert.ok(Math.abs(byRow.recon - base.recon) > 1e-6, "scaling one row must change the factors");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("cost mode names a missing weight", { skip }, async () => {
  const dims: Dims = { N: 2, ic_enc_dim: 1, ic_dim: 1, gen_dim: 1, factors_dim: 1, co_dim: 0, ci_enc_dim: 0, con_dim: 0 };
  const w = randomWeights(dims, "x", new Rng(1));
  w.delete(v("gen_GenGRU_Candidate_rh_2_c_W"));
  const dir = tmpdir();
  try {
    await writeWeights(path.join(dir, "w.h5"), w);
    await writeBatch(path.join(dir, "b.h5"), { data: [[[1, 0]]], eps_g0: [[0]] });
    assert.throws(
      () => peerCost({ ...dims, B: 1, T: 1 }, path.join(dir, "w.h5"), path.join(dir, "b.h5")),
      (e: unknown) => e instanceof PeerError && /missing weights \['LFADS_gen_GenGRU_Candidate_rh_2_c_W:0'\]/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("cost mode names a batch array of the wrong shape", { skip }, async () => {
  const dims: Dims = { N: 2, ic_enc_dim: 1, ic_dim: 2, gen_dim: 1, factors_dim: 1, co_dim: 0, ci_enc_dim: 0, con_dim: 0 };
  const dir = tmpdir();
  try {
    await writeWeights(path.join(dir, "w.h5"), randomWeights(dims, "x", new Rng(1)));
    await writeBatch(path.join(dir, "b.h5"), { data: [[[1, 0]]], eps_g0: [[0]] });
    assert.throws(
      () => peerCost({ ...dims, B: 1, T: 1 }, path.join(dir, "w.h5"), path.join(dir, "b.h5")),
      (e: unknown) => e instanceof PeerError && /'eps_g0' has shape \[1, 1\], expected \[1, 2\]/.test(e.message),
    );
    assert.throws(
      () => peerCost({ ...dims, B: 1, T: 3 }, path.join(dir, "w.h5"), path.join(dir, "b.h5")),
      (e: unknown) => e instanceof PeerError && /data is \[1,1,2\], config says T=3, N=2/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("time and infer modes return sane JSON", { skip }, () => {
  const config = {
    B: 4, T: 5, N: 3, ic_enc_dim: 4, ic_dim: 3, gen_dim: 5, factors_dim: 2, co_dim: 1, ci_enc_dim: 3, con_dim: 3, step: 100,
  };
  const t = runPeer<PeerTiming>(python, "time", config, { args: ["--threads", "1", "--steps", "3", "--warmup", "1"], timeoutMs: 120_000 });
  assert.equal(t.steps, 3);
  assert.equal(t.threads, 1);
  assert.ok(t.median_ms > 0 && t.median_ms < 10_000, `median_ms ${t.median_ms}`);
  assert.ok(t.min_ms <= t.median_ms && t.mean_ms > 0);
  assert.ok(t.peak_rss_mb > 10 && t.peak_rss_mb < 8192, `peak_rss_mb ${t.peak_rss_mb}`);
  assert.match(t.torch_version, /^\d+\.\d+/);
  assert.equal(t.dtype, "float32");
  assert.ok(Number.isFinite(t.last_cost) && Number.isFinite(t.last_grad_norm));
  const i = runPeer<PeerTiming>(python, "infer", config, { args: ["--steps", "3", "--warmup", "1"], timeoutMs: 120_000 });
  assert.ok(i.trials_per_s !== undefined && Math.abs(i.trials_per_s - 4 / (i.median_ms / 1000)) < 1e-6 * i.trials_per_s);
});

test("an unknown config key is refused by name", { skip }, () => {
  assert.throws(
    () => runPeer(python, "time", { B: 2, T: 2, N: 2, ic_enc_dim: 2, ic_dim: 2, gen_dim: 2, factors_dim: 2, gen_dims: 3 }, { timeoutMs: 60_000 }),
    (e: unknown) => e instanceof PeerError && /unknown keys \['gen_dims'\]/.test(e.message),
  );
});
