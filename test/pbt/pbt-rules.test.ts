/**
 * PBT's rules without training: the search space (defaults translated to our conventions, overrides, every
 * bad-input error), explore, the tournament and truncation, the improvement-ratio stopper, the smoothed
 * fitness from real fit-log files (and the sample-validation column when it is there), and the option checks.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { RunParams } from "../../src/params/run-params.js";
import { PARAM_SPECS } from "../../src/params/table.js";
import { readMemberFitness, smoothCosts } from "../../src/pbt/fitness.js";
import { planPbt, targetStep } from "../../src/pbt/options.js";
import { checkSearchSpace, defaultSearchSpace, drawInitial, perturb, resolveSearchSpace, type SearchDimension } from "../../src/pbt/search-space.js";
import { shouldStop, tournament, truncation } from "../../src/pbt/selection.js";
import { fitlogLine } from "../../src/train/fitlog.js";

const SHAPE = { bins: 100, neurons: 35 };

test("default search space: AutoLFADS ranges in our conventions (L2/KL × bins·neurons, dropout as keep probability)", () => {
  const space = defaultSearchSpace(SHAPE);
  const by = new Map(space.map((d) => [d.name, d]));
  assert.deepEqual([by.get("c_learning_rate_init")!.lo, by.get("c_learning_rate_init")!.hi], [1e-5, 5e-3]);
  assert.deepEqual([by.get("c_keep_prob")!.lo, by.get("c_keep_prob")!.hi], [0.4, 1]);
  assert.ok(Math.abs(by.get("c_l2_gen_scale")!.lo - 0.35) < 1e-12 && by.get("c_l2_gen_scale")!.hi === 3500);
  assert.ok(Math.abs(by.get("c_kl_ic_weight")!.hi - 3.5) < 1e-12 && Math.abs(by.get("c_kl_co_weight")!.hi - 0.35) < 1e-12);
  // Coordinated dropout's keep ratio is in the space exactly when RunParams knows it.
  assert.equal(by.has("c_keep_ratio"), PARAM_SPECS.has("c_keep_ratio"));
  if (by.has("c_keep_ratio")) assert.deepEqual([by.get("c_keep_ratio")!.lo, by.get("c_keep_ratio")!.hi], [0.3, 0.99]);
  assert.equal(checkSearchSpace(space).length, space.length);
});

test("search space overrides: change a range, drop a default, add a dimension", () => {
  const s = resolveSearchSpace(SHAPE, { c_learning_rate_init: { lo: 1e-4, hi: 1e-2 }, c_l2_con_scale: false, c_co_mean_corr_scale: { lo: 0.01, hi: 1 } });
  assert.deepEqual(s.find((d) => d.name === "c_learning_rate_init")!.hi, 1e-2);
  assert.ok(!s.some((d) => d.name === "c_l2_con_scale"));
  assert.equal(s.find((d) => d.name === "c_co_mean_corr_scale")!.scale, "log");
});

test("without a controller the default space leaves coordinated dropout out; naming it puts AutoLFADS' dimension back", () => {
  const noCo = { ...SHAPE, controller: false };
  const full = defaultSearchSpace(SHAPE);
  // The same dimensions in the same order, less c_keep_ratio: the bench's --no-cd space, so the same draws for a seed.
  assert.deepEqual(defaultSearchSpace(noCo), full.filter((d) => d.name !== "c_keep_ratio"));
  assert.deepEqual(resolveSearchSpace(noCo), resolveSearchSpace(SHAPE, { c_keep_ratio: false }));
  assert.deepEqual(resolveSearchSpace(noCo, { c_keep_ratio: false }), resolveSearchSpace(noCo));
  // Named with a change: back in AutoLFADS' position, with the change applied.
  const back = resolveSearchSpace(noCo, { c_keep_ratio: { lo: 0.5 } });
  assert.deepEqual(back.map((d) => d.name), full.map((d) => d.name));
  assert.deepEqual(back.find((d) => d.name === "c_keep_ratio"), { ...full.find((d) => d.name === "c_keep_ratio")!, lo: 0.5 });
  assert.deepEqual(resolveSearchSpace(noCo, { c_keep_ratio: {} }), resolveSearchSpace(SHAPE));
});

test("bad search spaces are errors that name the field, the value and the fix", () => {
  const base: SearchDimension = { name: "c_learning_rate_init", lo: 1e-4, hi: 1e-2, scale: "log", width: 0.3, enforceBounds: true };
  assert.throws(() => checkSearchSpace([{ ...base, lo: 0.01, hi: 0.001 }]), /c_learning_rate_init: inverted range lo=0\.01 > hi=0\.001; swap them/);
  assert.throws(() => checkSearchSpace([{ ...base, lo: 0.01, hi: 0.01 }]), /c_learning_rate_init: empty range lo = hi = 0\.01/);
  assert.throws(() => checkSearchSpace([{ ...base, name: "c_learning_rate_int" }]), /unknown hyperparameter 'c_learning_rate_int'\. Did you mean 'c_learning_rate_init'\?/);
  assert.throws(() => resolveSearchSpace(SHAPE, { c_l2_gen_scal: { lo: 1, hi: 2 } }), /unknown hyperparameter 'c_l2_gen_scal'\. Did you mean 'c_l2_gen_scale'\?/);
  assert.throws(() => resolveSearchSpace(SHAPE, { c_kl_ic_wieght: false }), /'c_kl_ic_wieght' is not in the default search space.*Did you mean 'c_kl_ic_weight'/);
  assert.throws(() => checkSearchSpace([{ ...base, name: "c_gen_dim", lo: 32, hi: 64 }]), /'c_gen_dim' cannot be tuned while training/);
  assert.throws(() => checkSearchSpace([{ ...base, name: "c_keep_prob", lo: 0.5, hi: 1.5, scale: "linear" }]), /c_keep_prob\.hi: .*expected a number in \(0, 1\]/);
  assert.throws(() => checkSearchSpace([{ ...base, lo: 0 }]), /log-scale range must be above 0/);
  assert.throws(() => checkSearchSpace([]), /searchSpace is empty/);
  assert.throws(() => checkSearchSpace([base, base]), /listed twice/);
});

test("initial draws fall in the range on its scale; explore stays in bounds and moves by at most the width", () => {
  const rng = new Rng(3);
  const d: SearchDimension = { name: "c_learning_rate_init", lo: 1e-5, hi: 5e-3, scale: "log", width: 0.3, enforceBounds: true };
  const draws = Array.from({ length: 2000 }, () => drawInitial(d, rng));
  assert.ok(draws.every((x) => x >= d.lo && x <= d.hi));
  // Log-uniform: about half the draws below the geometric mean.
  const below = draws.filter((x) => x < Math.sqrt(d.lo * d.hi)).length / draws.length;
  assert.ok(below > 0.45 && below < 0.55, `fraction below the geometric mean ${below}`);
  for (let i = 0; i < 500; i++) {
    const v = perturb(d, 1e-3, rng);
    assert.ok(v >= 1e-3 * 0.7 - 1e-15 && v <= 1e-3 * 1.3 + 1e-15 && Math.abs(v / 1e-3 - 1) >= 0.3 * 0.002 - 1e-12);
  }
  // At the upper bound: every draw that would leave [lo, hi] is redrawn, so the value only goes down.
  for (let i = 0; i < 200; i++) assert.ok(perturb(d, 5e-3, rng) <= 5e-3);
  const free: SearchDimension = { ...d, enforceBounds: false };
  assert.ok(Array.from({ length: 200 }, () => perturb(free, 5e-3, rng)).some((x) => x > 5e-3), "unenforced bounds let it leave the range");
});

test("binary tournament: ⌊n/2⌋ pairs, each member in at most one, the lower cost wins, NaN always loses", () => {
  const f = [5, 1, 3, NaN, 2, 4, 0.5];
  for (let seed = 0; seed < 20; seed++) {
    const r = tournament(f, new Rng(seed));
    assert.equal(r.length, 3);
    const seen = new Set<number>();
    for (const { loser, winner } of r) {
      assert.ok(!seen.has(loser) && !seen.has(winner));
      seen.add(loser).add(winner);
      assert.ok(Number.isNaN(f[loser]!) || f[winner]! <= f[loser]!, `seed ${seed}: ${winner} beat ${loser}`);
    }
  }
  const tie = tournament([1, 1], new Rng(0));
  assert.equal(tie.length, 1);
  assert.notEqual(tie[0]!.loser, tie[0]!.winner);
});

test("truncation: the worst ⌊n·f⌋ copy members of the best ⌊n·f⌋", () => {
  const r = truncation([4, 1, 7, 2, 9, 3, 8, 5], 0.25, new Rng(1));
  assert.deepEqual(r.map((x) => x.loser).sort(), [4, 6]);
  assert.ok(r.every((x) => x.winner === 1 || x.winner === 3));
});

test("improvement-ratio stopper: stops on a plateau over the window, not while the best still falls", () => {
  assert.equal(shouldStop([10, 9, 8]), false);
  assert.equal(shouldStop([10, 9, 8, 7]), false);
  assert.equal(shouldStop([10, 5, 5, 5, 5]), true);
  assert.equal(shouldStop([100, 100.01, 100.02, 100.0]), true);
  assert.equal(shouldStop([100, 99, 98.9, 98.8]), false);
});

function writeFitlog(dir: string, valid: number[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const lines = valid.map((v, e) => fitlogLine({ epoch: e, step: (e + 1) * 8, train: { total: v + 1, recon: v, kl: 1 }, valid: { total: v + 1, recon: v, kl: 1 }, l2: 0.1, klWeight: 1, l2Weight: 1 }));
  fs.writeFileSync(path.join(dir, "fitlog.csv"), lines.map((l) => `${l}\n`).join(""));
}

test("fitness: S_e = 0.3·S_{e−1} + 0.7·v_e of fitlog.csv's valid recon cost; recon_sv_valid instead when that column is filled", () => {
  assert.deepEqual(smoothCosts([10, 20, 30]), [10, 0.3 * 10 + 0.7 * 20, 0.3 * (0.3 * 10 + 0.7 * 20) + 0.7 * 30]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pbt-fit-"));
  try {
    writeFitlog(dir, [100, 90, 80]);
    const f = readMemberFitness(dir);
    assert.equal(f.source, "recon_valid");
    assert.ok(Math.abs(f.fitness - smoothCosts([100, 90, 80]).at(-1)!) < 1e-9);
    assert.equal(f.step, 24);
    // A diagnostics file without the column, then with it half empty: fitlog.csv still.
    fs.writeFileSync(path.join(dir, "fitlog_diagnostics.csv"), "epoch,step,learning_rate,event\n0,8,0.01,\n1,16,0.01,\n2,24,0.01,\n");
    assert.equal(readMemberFitness(dir).source, "recon_valid");
    fs.writeFileSync(path.join(dir, "fitlog_diagnostics.csv"), "epoch,step,recon_sv_train,recon_sv_valid,event\n0,8,1,50,\n1,16,1,,\n2,24,1,30,\n");
    assert.equal(readMemberFitness(dir).source, "recon_valid");
    fs.writeFileSync(path.join(dir, "fitlog_diagnostics.csv"), "epoch,step,recon_sv_train,recon_sv_valid,event\n0,8,1,50,\n1,16,1,40,\n2,24,1,30,\n");
    const sv = readMemberFitness(dir);
    assert.equal(sv.source, "recon_sv_valid");
    assert.deepEqual(sv.values, [50, 40, 30]);
    assert.ok(Math.abs(sv.fitness - smoothCosts([50, 40, 30]).at(-1)!) < 1e-9);
    assert.ok(Number.isNaN(readMemberFitness(path.join(dir, "missing")).fitness));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("options: a population the exploit rule cannot use, a generation longer than the budget — clear errors; burn-in defaults to the ramps", () => {
  const p = new RunParams({ c_kl_increase_steps: 50, c_l2_increase_steps: 70, c_l2_start_step: 10 });
  assert.throws(() => planPbt({ population: 1, generationSteps: 10 }, p, 1), /population must be an integer >= 2, got 1/);
  assert.throws(() => planPbt({ population: 3, generationSteps: 10, exploit: "truncation", exploitFraction: 0.25 }, p, 1), /population 3 is smaller than exploitFraction 0\.25 allows: floor\(3 × 0\.25\) = 0 .*at least 4/);
  assert.throws(() => planPbt({ population: 4, generationSteps: 100, maxSteps: 150 }, p, 1), /generation is longer than the step budget: .*burnInSteps 80 \+ generationSteps 100 = 180 steps, but maxSteps is 150/);
  assert.throws(() => planPbt({ population: 4, generationSteps: 0 }, p, 1), /generationSteps must be an integer >= 1/);
  const plan = planPbt({ population: 4, generationSteps: 20, generations: 10, maxSteps: 150 }, p, 1);
  assert.equal(plan.burnInSteps, 80);
  assert.equal(plan.maxGenerations, 3); // (150 − 80) / 20
  assert.equal(targetStep(plan, 0), 100);
  // Two datasets: the Run Manager scales the ramps (and their start) by the number of datasets by default.
  assert.equal(planPbt({ population: 4, generationSteps: 20, generations: 5 }, p, 2).burnInSteps, 160);
});
