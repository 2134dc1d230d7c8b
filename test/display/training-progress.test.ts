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
