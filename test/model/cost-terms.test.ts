import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { lfadsCost } from "../../src/model/cost.js";
import { l2Cost } from "../../src/model/l2.js";
import { coMeanCorrCost } from "../../src/model/lfads.js";
import { RngNoise } from "../../src/model/noise.js";
import { gaussianLogLik } from "../../src/model/observation/gaussian.js";
import { lgammaRowSums, poissonLogLik } from "../../src/model/observation/poisson.js";
import { outputParams } from "../../src/model/observation/registry.js";
import { Ar1Prior, klControllerOutputs, klControllerOutputsFused, klGaussians } from "../../src/model/priors.js";
import { ParamStore } from "../../src/model/params.js";
import { batchOf, counts, tinyModel } from "./tiny.js";

const close = (a: number, b: number, tol = 1e-4): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const LOG2PI = Math.log(2 * Math.PI);

test("lgammaRowSums sums log(x!) per trial exactly", () => {
  const s = lgammaRowSums([0, 1, 3, 2, 7, 0], 2);
  close(s[0]!, Math.log(6));
  close(s[1]!, Math.log(2) + Math.log(5040));
});

test("Poisson log-likelihood matches the hand computation", async () => {
  await selectBackend("cpu");
  const x = [2, 0, 1, 3];
  const logr = [0.3, -1, 0.5, 1.2];
  const want = x.reduce((a, xi, i) => a + xi * logr[i]! - Math.exp(logr[i]!), 0) - (Math.log(2) + Math.log(6));
  const ll = poissonLogLik(tf.tensor3d(logr, [1, 2, 2]), tf.tensor3d(x, [1, 2, 2]), tf.tensor1d(lgammaRowSums(x, 1)));
  close(ll.dataSync()[0]!, want);
});

test("Gaussian log-likelihood and output parameters match the hand computation", async () => {
  await selectBackend("cpu");
  const x = [0.5, -1];
  const mean = [0.2, 0.1];
  const logvar = [0.3, -0.7];
  const want = -0.5 * x.reduce((a, xi, i) => a + logvar[i]! + LOG2PI + (xi - mean[i]!) ** 2 / Math.exp(logvar[i]!), 0);
  const params = tf.tensor3d([...mean, ...logvar], [1, 1, 4]);
  close(gaussianLogLik(params, tf.tensor3d(x, [1, 1, 2])).dataSync()[0]!, want);
  const out = outputParams("gaussian", params).dataSync();
  close(out[2]!, Math.exp(0.3));
  close(outputParams("poisson", tf.tensor1d([100])).dataSync()[0]!, Math.exp(80), 1e-5);
});

test("analytic KL of diagonal Gaussians matches the formula", async () => {
  await selectBackend("cpu");
  const q = { mean: tf.tensor2d([[0.5, -0.2]]), logvar: tf.tensor2d([[-1, 0.3]]) };
  const p = { mean: tf.tensor2d([[0, 0.1]]), logvar: tf.tensor2d([[Math.log(0.1), Math.log(0.1)]]) };
  let want = 0;
  for (const [mq, lq, mp, lp] of [[0.5, -1, 0, Math.log(0.1)], [-0.2, 0.3, 0.1, Math.log(0.1)]] as const) want += 0.5 * (lp - lq + Math.exp(lq - lp) + (mq - mp) ** 2 / Math.exp(lp) - 1);
  close(klGaussians(q, p).dataSync()[0]!, want);
});

test("AR(1) prior log-density and the sampled controller-output KL match the hand computation", async () => {
  await selectBackend("cpu");
  const store = new ParamStore(new Rng(0));
  const prior = new Ar1Prior(store, 1, 10, 0.1, true, true);
  const u = [0.3, -0.1, 0.4];
  const eps = [0.5, -1.2, 0.1];
  const lv = [-0.5, 0.2, -1];
  const phi = Math.exp(-1 / 10);
  const evar = 0.1;
  const pvar = evar / (1 - phi * phi);
  const logN = (z: number, m: number, v: number): number => -0.5 * (LOG2PI + Math.log(v) + (z - m) ** 2 / v);
  const logp = [logN(u[0]!, 0, pvar), logN(u[1]!, phi * u[0]!, evar), logN(u[2]!, phi * u[1]!, evar)];
  const got = prior.logProb(tf.tensor3d(u, [1, 3, 1])).dataSync();
  logp.forEach((v, i) => close(got[i]!, v));
  const want = u.reduce((a, _, t) => a + -0.5 * (lv[t]! + LOG2PI + eps[t]! ** 2) - logp[t]!, 0);
  close(klControllerOutputs(tf.tensor3d(u, [1, 3, 1]), tf.tensor3d(eps, [1, 3, 1]), tf.tensor3d(lv, [1, 3, 1]), prior).dataSync()[0]!, want);
  store.dispose();
});

test("the fused controller-output KL equals the composite one, value and every gradient (cpu and wasm; eps given or zero; T = 1)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    for (const [B, T, U, withEps] of [[3, 6, 2, true], [2, 5, 3, false], [4, 1, 2, true]] as const) {
      const store = new ParamStore(new Rng(1));
      const prior = new Ar1Prior(store, U, 7, 0.2, true, true);
      const rng = new Rng(2);
      const r = (n: number, s: number): number[] => Array.from({ length: n }, () => s * rng.normal());
      const u = tf.tensor3d(r(B * T * U, 1), [B, T, U]);
      const lv = tf.tensor3d(r(B * T * U, 0.5), [B, T, U]);
      const epsTBU = withEps ? tf.tensor3d(r(T * B * U, 1), [T, B, U]) : undefined;
      const epsBTU = epsTBU ? (tf.transpose(epsTBU, [1, 0, 2]) as tf.Tensor3D) : tf.zeros([B, T, U]) as tf.Tensor3D;
      const w = tf.tensor1d(r(B, 1));
      const vars = [prior.logevars, prior.logatau];
      const run = (fused: boolean): { value: Float32Array; grads: Float32Array[] } => {
        const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
          const kl = fused ? klControllerOutputsFused(a as tf.Tensor3D, epsTBU, b as tf.Tensor3D, prior) : klControllerOutputs(a as tf.Tensor3D, epsBTU, b as tf.Tensor3D, prior);
          return tf.sum(tf.mul(kl, w));
        };
        const value = (fused ? klControllerOutputsFused(u, epsTBU, lv, prior) : klControllerOutputs(u, epsBTU, lv, prior)).dataSync() as Float32Array;
        const g = tf.grads(loss)([u, lv]);
        const gv = tf.variableGrads(() => loss(u, lv), vars).grads;
        return { value, grads: [...g.map((t) => t.dataSync() as Float32Array), ...vars.map((v) => gv[v.name]!.dataSync() as Float32Array)] };
      };
      const ref = run(false);
      const got = run(true);
      got.value.forEach((v, i) => close(v, ref.value[i]!, 1e-4));
      got.grads.forEach((g, k) => g.forEach((v, i) => close(v, ref.grads[k]![i]!, 1e-4)));
      assert.ok(got.grads.every((g) => g.some((v) => v !== 0)), `${backend}: every gradient reaches its input`);
      store.dispose();
    }
  }
});

test("co_mean_corr cost: mean over pairs and trials of 0.5·(Σ_t μ_i μ_j)²", async () => {
  await selectBackend("cpu");
  // B = 1, T = 2, U = 3
  const mu = [1, 2, 3, 4, 5, 6];
  const s = (i: number, j: number): number => mu[i]! * mu[j]! + mu[3 + i]! * mu[3 + j]!;
  const want = (0.5 * s(0, 1) ** 2 + 0.5 * s(0, 2) ** 2 + 0.5 * s(1, 2) ** 2) / 3;
  close(coMeanCorrCost(tf.tensor3d(mu, [1, 2, 3])).dataSync()[0]!, want);
  assert.equal(coMeanCorrCost(tf.zeros([2, 4, 1]) as tf.Tensor3D).dataSync()[0], 0);
});

test("L2 cost uses the recurrent weights and biases, divided by the count of both collections", async () => {
  await selectBackend("cpu");
  const m = tinyModel({ c_co_dim: 2, c_l2_gen_scale: 3, c_l2_con_scale: 0 });
  const w = m.exportWeights();
  let num = 0;
  let den = 0;
  for (const [name, v] of w) {
    if (!/(gen|con)\/GenGRU\/(Gates\/h_2_ru|Candidate\/rh_2_c)\//.test(name)) continue;
    den += v.data.length;
    if (name.includes("/gen/")) num += 0.5 * 3 * v.data.reduce((a, x) => a + x * x, 0);
  }
  assert.equal(den, 3 * 6 * 6 + 3 * 6 + 3 * 4 * 4 + 3 * 4);
  close(l2Cost(m.store, 3, 0).dataSync()[0]!, num / den);
  assert.equal(l2Cost(m.store, 0, 0).dataSync()[0], 0);
  m.dispose();
});

test("total cost and bounds are assembled as in TF LFADS", async () => {
  await selectBackend("cpu");
  const m = tinyModel({ c_co_dim: 2, c_co_mean_corr_scale: 0.7, c_kl_ic_weight: 0.5, c_kl_co_weight: 2 });
  const [B, T, N] = [4, 7, 5];
  const x = counts(B, T, N);
  const fwd = m.forward(batchOf(x, B, T, N), { keepProb: 1, noise: new RngNoise(new Rng(4)) });
  const c = lfadsCost(m, fwd, { kl: 0.25, l2: 0.5 });
  const ll = Array.from(fwd.logLik.dataSync());
  const ki = fwd.klIc.dataSync();
  const kc = fwd.klCo.dataSync();
  const lb = Array.from(ll, (v, b) => v - 0.5 * ki[b]! - 2 * kc[b]!);
  const recon = -ll.reduce((a, v) => a + v, 0) / B;
  const kl = Array.from(ki, (v, b) => 0.5 * v + 2 * kc[b]!).reduce((a, v) => a + v, 0) / B;
  const l2 = c.l2.dataSync()[0]!;
  const corr = fwd.corr.dataSync()[0]!;
  assert.ok(corr > 0);
  close(c.recon.dataSync()[0]!, recon);
  close(c.kl.dataSync()[0]!, kl);
  close(c.cost.dataSync()[0]!, recon + 0.25 * kl + 0.5 * l2 + 0.7 * corr);
  close(c.nllBoundVae.dataSync()[0]!, -lb.reduce((a, v) => a + v, 0) / B);
  const mx = Math.max(...lb);
  close(c.nllBoundIwae.dataSync()[0]!, Math.log(B) - (mx + Math.log(lb.reduce((a, v) => a + Math.exp(v - mx), 0))));
  m.dispose();
});
