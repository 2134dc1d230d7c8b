import { test } from "node:test";
import assert from "node:assert/strict";
import { costSparkline, trainingProgressHtml } from "../../src/display/training-progress.js";
import type { TrainProgress } from "../../src/train/progress.js";

const p: TrainProgress = {
  kind: "epoch", step: 500, epoch: 45, stepInEpoch: 11, stepsPerEpoch: 11, trainCost: 412.345, trainRecon: 400.1, trainKl: 9.87,
  validCost: 415.5, l2Cost: 0.9, klWeight: 1, l2Weight: 1, learningRate: 0.0195, stepsPerSecond: 5, elapsedSeconds: 100, backend: "wasm <SIMD>",
};

test("training display: progress bar, costs, ramps, learning rate, ETA from the step budget; text is escaped", () => {
  const html = trainingProgressHtml(p, [{ epoch: 0, train: 900, valid: 910 }, { epoch: 1, train: 600, valid: 650 }, { epoch: 2, train: 415, valid: 415.5 }], { maxSteps: 2000, title: "run <a>" });
  assert.match(html, /<progress max="100" value="25\.0"/);
  assert.match(html, /500 \/ 2000 \(epoch 45, 11\/11\)/);
  assert.match(html, /412\.35 \/ 400\.10 \/ 9\.87/);
  assert.match(html, /valid cost \(last epoch\)<\/td><td[^>]*>415\.50/);
  assert.match(html, /0\.0195/);
  assert.match(html, /1 min 40 s \/ 5 min/, "elapsed 100 s; ETA (2000 − 500) / 5 steps/s = 300 s");
  assert.ok(html.includes("run &lt;a&gt;") && html.includes("wasm &lt;SIMD&gt;") && !html.includes("<a>"));
});

test("cost sparkline: one path per series scaled into the box; nothing before two epochs", () => {
  assert.equal(costSparkline([{ epoch: 0, train: 1 }]), "");
  const svg = costSparkline([{ epoch: 0, train: 10, valid: 12 }, { epoch: 1, train: 8 }, { epoch: 2, train: 6, valid: 7 }], 100, 50);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  // Highest value (12, the first valid point) at the top edge (y = 4), lowest (6) at the bottom (y = 46).
  assert.match(svg, /M4\.0,46\.0|L96\.0,46\.0/);
  assert.match(svg, /M4\.0,4\.0/);
});

test("training display: the last epoch's gradient norm, clipping and per-posterior KL; divergence events in red, also in the sparkline", () => {
  const diagnostics = {
    epoch: 3, step: 40, learningRate: 0.02, gradNormMean: 123.456, gradNormMax: 250.5, clipFraction: 0.25, maxGradNorm: 200,
    klIcTrain: 12, klIcValid: 13.25, klCoTrain: 0.5, klCoValid: 0.75, event: "",
  };
  const message = "divergence at epoch 3 (step 40): valid cost 1063.0 … <restored> lfads_vae_lve.ckpt-30.h5";
  const points = [
    { epoch: 0, train: 1100, valid: 1050 }, { epoch: 1, train: 500, valid: 498 }, { epoch: 2, train: 480, valid: 470 },
    { epoch: 3, train: 520, valid: 560, diagnostics, divergence: message }, { epoch: 4, train: 470, valid: 468 },
  ];
  const html = trainingProgressHtml(p, points);
  assert.match(html, /gradient norm mean \/ max<\/td><td[^>]*>123\.5 \/ 250\.5 \(25% of steps clipped at 200\)/);
  assert.match(html, /KL g0 \/ u \(valid\)<\/td><td[^>]*>13\.25 \/ 0\.75/);
  assert.ok(html.includes("border-left:3px solid #d62728") && html.includes("divergence at epoch 3 (step 40): valid cost 1063.0 … &lt;restored&gt;"), "the event, escaped");
  const svg = costSparkline(points, 100, 50);
  assert.equal((svg.match(/<line /g) ?? []).length, 1, "one divergence line");
  assert.match(svg, /<line x1="73\.0" x2="73\.0"/, "at epoch 3 of 0–4");
  // Epoch 0's 1,100 is left out of the range (off the top): the top label is the range's, not 1100.
  assert.match(svg, /first 1 epoch off the top/);
  assert.ok(!svg.includes(">1100.0<"));
  assert.match(svg, /M4\.0,4\.0/, "epoch 0 drawn at the top edge");
  assert.ok(!trainingProgressHtml(p, points.slice(0, 3)).includes("#d62728"), "no events, no red");
});
