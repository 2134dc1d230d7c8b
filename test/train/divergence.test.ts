/**
 * The divergence watch on cost sequences: issue #20's failure (valid reconstruction 997 at the best
 * epoch, then 1059, 1008, 1080; later the KL bursting and collapsing to 1.1), two healthy real fit logs
 * (fixtures: the 10-ms Lorenz fit of lorenz-fit.test.ts, lr 0.02, 260 valid trials, and notebook 01's
 * fit), the ramps, the reset after a verdict and a state saved and restored midway.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadFitLog } from "../../src/posterior/fit-log.js";
import { DEFAULT_DIVERGENCE_RULE, divergenceRule, DivergenceWatch, type EpochCostsSeen } from "../../src/train/divergence.js";

const fixture = (name: string): string => path.join(__dirname, "fixtures", name);

/** ±1% deterministic wobble, the epoch-to-epoch noise of a healthy fit's validation cost. */
const wobble = (i: number): number => 0.01 * Math.sin(1.7 * i + 0.3);

/** Issue #20's run as the watch sees it: descent to the best epoch (valid recon 997), then 1059, 1008, 1080 (+14 nats of KL and L2). */
function issueSequence(): EpochCostsSeen[] {
  const seen: EpochCostsSeen[] = [];
  for (let i = 0; i < 20; i++) seen.push({ validTotal: (1082 - 3.5 * i) * (1 + wobble(i)), validKl: 13 + (i % 3) * 0.4, rampsDone: i >= 4 });
  seen.push({ validTotal: 997 + 14, validKl: 13.2, rampsDone: true });
  for (const recon of [1059, 1008, 1080]) seen.push({ validTotal: recon + 14, validKl: 13.5, rampsDone: true });
  return seen;
}

test("valid_rise fires on the issue's sequence at its third bad epoch, not before", () => {
  const watch = new DivergenceWatch();
  const seq = issueSequence();
  const verdicts = seq.map((e) => watch.observe(e));
  const fired = verdicts.flatMap((v, i) => (v ? [i] : []));
  assert.deepEqual(fired, [seq.length - 1], "only at 1080: mean(1073, 1022, 1094) = 1063 is 5.1% above 1011; mean(1011, 1073, 1022) is 2.1%");
  const v = verdicts[seq.length - 1]!;
  assert.equal(v.rule, "valid_rise");
  assert.match(v.text, /^valid cost 1063\.0 \(mean of the last 3 epochs\) is 5\.1% above its lowest 1011\.0 \(limit 4\.0%\)$/);
});

test("healthy real fit logs never fire (noise of up to 3% in single epochs)", () => {
  for (const name of ["fitlog-lorenz-10ms.csv", "fitlog-notebook01.csv"]) {
    const log = loadFitLog(fixture(name));
    assert.ok(log.nEpochs > 80, `${name}: a long fit`);
    const watch = new DivergenceWatch();
    const fired = log.rows.flatMap((r) => {
      const v = watch.observe({ validTotal: r.total_valid, validKl: r.kl_valid, rampsDone: r.kl_weight === 1 && r.l2_weight === 1 });
      return v ? [`epoch ${r.epoch}: ${v.text}`] : [];
    });
    assert.deepEqual(fired, [], name);
    // The noise is real: some single epoch is more than 2% above the lowest so far.
    let lowest = Infinity;
    let worst = 0;
    for (const r of log.rows.filter((q) => q.kl_weight === 1 && q.l2_weight === 1)) {
      lowest = Math.min(lowest, r.total_valid);
      worst = Math.max(worst, r.total_valid / lowest - 1);
    }
    assert.ok(worst > 0.02 && worst < DEFAULT_DIVERGENCE_RULE.validRise, `${name}: worst single epoch ${(100 * worst).toFixed(1)}% above the lowest`);
  }
});

test("KL: a tenfold collapse fires (the issue's 13 → 1.1), a threefold burst does not, tiny KLs are below the floor", () => {
  const watch = new DivergenceWatch();
  const at = (validKl: number) => watch.observe({ validTotal: 1000, validKl, rampsDone: true });
  for (const kl of [13.5, 14, 13, 13.8, 45, 63]) assert.equal(at(kl), undefined, `KL ${kl}`);
  const v = at(1.1);
  assert.equal(v?.rule, "kl_collapse");
  assert.match(v!.text, /^valid KL 1\.10 collapsed to 1\/13 of the median 14\.00 of the previous 5 epochs/);

  const jump = new DivergenceWatch();
  for (const kl of [2, 2.5, 2.2]) assert.equal(jump.observe({ validTotal: 1000, validKl: kl, rampsDone: true }), undefined);
  const j = jump.observe({ validTotal: 1000, validKl: 30, rampsDone: true });
  assert.equal(j?.rule, "kl_jump");
  assert.match(j!.text, /^valid KL 30\.00 is 14× the median 2\.20 of the previous 3 epochs$/);

  const floor = new DivergenceWatch();
  for (const kl of [0.05, 0.06, 0.05, 0.6, 0.01]) assert.equal(floor.observe({ validTotal: 1000, validKl: kl, rampsDone: true }), undefined, `KL ${kl}: under 1 nat of change`);
  const early = new DivergenceWatch();
  for (const kl of [10, 200]) assert.equal(early.observe({ validTotal: 1000, validKl: kl, rampsDone: true }), undefined, "fewer than 3 epochs of history");
});

test("ramps: nothing is recorded or judged before both ramp weights reach 1", () => {
  const watch = new DivergenceWatch();
  for (const [cost, kl] of [[3000, 200], [1100, 90], [1500, 9], [2000, 150]] as const) assert.equal(watch.observe({ validTotal: cost, validKl: kl, rampsDone: false }), undefined);
  assert.deepEqual(watch.state(), { lowest: Infinity, valid: [], kl: [] });
  for (const cost of [1000, 1010, 1005]) assert.equal(watch.observe({ validTotal: cost, validKl: 10, rampsDone: true }), undefined);
  assert.equal(watch.state().lowest, 1000);
});

test("a verdict resets the windows: the next needs fresh epochs; a new lowest is never a rise", () => {
  const watch = new DivergenceWatch();
  const at = (c: number) => watch.observe({ validTotal: c, validKl: 10, rampsDone: true });
  at(1000);
  at(1100);
  assert.equal(at(1100)?.rule, "valid_rise");
  assert.deepEqual(watch.state(), { lowest: 1000, valid: [], kl: [] });
  assert.equal(at(1100), undefined, "1 fresh epoch");
  assert.equal(at(1100), undefined, "2 fresh epochs");
  assert.equal(at(1100)?.rule, "valid_rise", "3 fresh epochs, still 10% above");
  // After a recovery the restored model is back near its lowest: no verdict.
  for (const c of [1004, 998, 1010, 1006]) assert.equal(at(c), undefined);
  // A window whose mean is high but whose last epoch is a new lowest is no rise.
  const w2 = new DivergenceWatch();
  for (const c of [1000, 1200, 1200]) w2.observe({ validTotal: c, validKl: 10, rampsDone: true });
  w2.reset();
  for (const c of [1300, 1300]) assert.equal(w2.observe({ validTotal: c, validKl: 10, rampsDone: true }), undefined);
  assert.equal(w2.observe({ validTotal: 990, validKl: 10, rampsDone: true }), undefined);
});

test("state saved midway and restored gives the same verdicts (what a checkpoint does)", () => {
  const seq = issueSequence();
  const whole = new DivergenceWatch();
  const a = seq.map((e) => whole.observe(e)?.text);
  const first = new DivergenceWatch();
  const b = seq.slice(0, 21).map((e) => first.observe(e)?.text);
  const resumed = new DivergenceWatch({}, first.state());
  b.push(...seq.slice(21).map((e) => resumed.observe(e)?.text));
  assert.deepEqual(b, a);
});

test("a negative cost (Gaussian outputs) rises by |lowest|; a non-finite validation cost fires", () => {
  const watch = new DivergenceWatch();
  for (const c of [-500, -495, -480]) assert.equal(watch.observe({ validTotal: c, validKl: 5, rampsDone: true }), undefined);
  assert.equal(watch.observe({ validTotal: -440, validKl: 5, rampsDone: true })?.rule, "valid_rise", "mean(−495, −480, −440) is 4.3% of 500 above −500");
  const nan = new DivergenceWatch();
  nan.observe({ validTotal: 100, validKl: 5, rampsDone: true });
  nan.observe({ validTotal: 100, validKl: 5, rampsDone: true });
  assert.match(nan.observe({ validTotal: NaN, validKl: 5, rampsDone: true })?.text ?? "", /not finite/);
});

test("divergenceRule: defaults, overrides and errors naming the field", () => {
  assert.deepEqual(divergenceRule(), { validWindow: 3, validRise: 0.04, klWindow: 5, klMinHistory: 3, klFactor: 10, klFloor: 1 });
  assert.equal(divergenceRule({ validRise: 0.1 }).validRise, 0.1);
  assert.throws(() => divergenceRule({ validRise: 0 }), /divergenceRule\.validRise must be a positive fraction such as 0\.04; got 0/);
  assert.throws(() => divergenceRule({ validWindow: 1.5 }), /divergenceRule\.validWindow must be an integer >= 1 \(epochs\); got 1\.5/);
  assert.throws(() => divergenceRule({ klFactor: 1 }), /divergenceRule\.klFactor must be a factor > 1/);
  assert.throws(() => divergenceRule({ klMinHistory: 6 }), /klMinHistory must be an integer in \[1, klWindow = 5\]; got 6/);
  assert.throws(() => new DivergenceWatch({ klFloor: -1 }), /divergenceRule\.klFloor/);
});
