import { test } from "node:test";
import assert from "node:assert/strict";
import { RunParams } from "../../src/params/run-params.js";
import { LearningRateSchedule, rampWeight } from "../../src/train/schedule.js";
import { trainConfigFromRunParams } from "../../src/train/train-config.js";

test("KL/L2 ramps are linear from the start step, 0 at step 0", () => {
  assert.equal(rampWeight(0, 0, 2000), 0);
  assert.equal(rampWeight(500, 0, 2000), 0.25);
  assert.equal(rampWeight(2500, 0, 2000), 1);
  assert.equal(rampWeight(150, 100, 200), 0.25);
  assert.equal(rampWeight(50, 100, 200), 0);
  assert.equal(rampWeight(3, 3, 0), 1);
});

test("ramp steps scale with the number of datasets as RunParams says", () => {
  const p = new RunParams({ c_kl_start_step: 10, c_kl_increase_steps: 100, c_l2_start_step: 5, c_l2_increase_steps: 50 });
  const c = trainConfigFromRunParams(p, 3);
  assert.deepEqual([c.klStartStep, c.klIncreaseSteps, c.l2StartStep, c.l2IncreaseSteps], [30, 300, 15, 150]);
  const off = trainConfigFromRunParams(p.with({ scaleIncreaseStepsWithDatasets: false, scaleStartStepWithDatasets: false }), 3);
  assert.deepEqual([off.klStartStep, off.klIncreaseSteps], [10, 100]);
});

test("learning rate decays when the cost exceeds the max of the last n, then waits n epochs", () => {
  const s = new LearningRateSchedule(0.01, 0.5, 2, 0.002);
  const costs = [10, 9, 8, 9, 7, 11, 12, 13];
  const decays = costs.map((c) => s.afterEpoch(c));
  // epochs 0-2 fill the history; 3: 9 > max(9, 8)? no; 4: 7 no; 5: 11 > max(9,7) → decay, +inf;
  // 6: 12 > max(7, inf)? no; 7: 13 > max(inf, 12)? no
  assert.deepEqual(decays, [false, false, false, false, false, true, false, false]);
  assert.equal(s.learningRate, 0.005);
  assert.deepEqual(s.history.slice(-3), [Infinity, 12, 13]);
  assert.equal(s.shouldStop(), false);
  s.afterEpoch(20);
  assert.equal(s.learningRate, 0.0025);
  s.afterEpoch(1);
  s.afterEpoch(2);
  s.afterEpoch(30);
  assert.equal(s.learningRate, 0.00125);
  assert.equal(s.shouldStop(), true);
});
