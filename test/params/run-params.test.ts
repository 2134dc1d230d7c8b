import { test } from "node:test";
import assert from "node:assert/strict";
import { RunParams } from "../../src/params/run-params.js";
import { generateSweep } from "../../src/params/sweep.js";
import { ParamError } from "../../src/core/errors.js";
import { PARAM_TABLE } from "../../src/params/table.js";

test("the table has every property of the Run Manager, with seed-003 docs", () => {
  assert.equal(PARAM_TABLE.length, 75);
  for (const spec of PARAM_TABLE) assert.ok(spec.doc.length > 10, `doc for ${spec.name}`);
  const p = new RunParams();
  assert.equal(p.c_learning_rate_decay_factor, 0.98);
  assert.equal(p.c_device, "/gpu:0");
  assert.equal(p.c_num_steps_for_gen_ic, 4294967295);
});

test("unknown names are an error that suggests the closest name", () => {
  assert.throws(() => new RunParams({ c_factor_dim: 8 } as never), (e: Error) =>
    e instanceof ParamError && /unknown property 'c_factor_dim'/.test(e.message) && /Did you mean 'c_factors_dim'\?/.test(e.message));
});

test("values are validated by MATLAB class with the field, the value and the allowed range", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ c_batch_size: -1 }, /c_batch_size: invalid value -1; expected an integer in \[0, 65535\] \(uint16\)/],
    [{ c_batch_size: 1.5 }, /c_batch_size: invalid value 1\.5/],
    [{ c_batch_size: 70000 }, /\[0, 65535\]/],
    [{ c_kl_increase_steps: -3 }, /\[0, 4294967295\] \(uint32\)/],
    [{ c_co_dim: "4" }, /c_co_dim: invalid value "4"/],
    [{ useAlignmentMatrix: "yes" }, /useAlignmentMatrix: invalid value "yes"; expected true or false/],
    [{ c_output_dist: "bernoulli" }, /allowed: 'poisson', 'gaussian'/],
    [{ c_keep_prob: 0 }, /c_keep_prob: invalid value 0; expected a number in \(0, 1\]/],
    [{ c_keep_prob: 1.2 }, /c_keep_prob/],
    [{ spikeBinMs: Number.NaN }, /spikeBinMs: invalid value null; expected a number/],
    [{ alignmentExtraArgs: [{}] }, /alignmentExtraArgs: invalid value/],
  ];
  for (const [init, re] of cases) {
    assert.throws(() => new RunParams(init as never), (e: Error) => e instanceof ParamError && re.test(e.message), JSON.stringify(init));
  }
  // logical accepts 0/1 like MATLAB's conversion
  assert.equal(new RunParams({ useAlignmentMatrix: 1 as never }).useAlignmentMatrix, true);
});

test("RunParams is an immutable value: with() copies, assignment explains", () => {
  const p = new RunParams({ c_co_dim: 0 });
  const q = p.with({ c_gen_dim: 64 });
  assert.equal(p.c_gen_dim, 100);
  assert.equal(q.c_gen_dim, 64);
  assert.equal(q.c_co_dim, 0);
  assert.throws(() => { (p as unknown as Record<string, unknown>).c_gen_dim = 3; }, /immutable value; use par\.with/);
});

test("short differences and command-line options use the MATLAB formats", () => {
  const p = new RunParams({ c_learning_rate_stop: 0.001, c_batch_size: 150, c_co_dim: 0, c_ic_enc_dim: 64, c_gen_dim: 64, c_factors_dim: 8, name: "first_attempt" });
  assert.equal(p.shortDifferences(), "c_learning_rate_stop=0.001 c_batch_size=150 c_co_dim=0 c_ic_enc_dim=64 c_gen_dim=64 c_factors_dim=8");
  assert.equal(new RunParams({ c_learning_rate_stop: 1e-5 * 0.1 }).shortDifferences(), "c_learning_rate_stop=1e-06");
  assert.equal(new RunParams().shortDifferences(), "default");
  const opts = p.commandLineOptions(3);
  assert.ok(opts.includes("--keep_prob=0.950000"));
  assert.ok(opts.includes("--learning_rate_stop=0.001000"));
  assert.ok(opts.includes("--batch_size=150"));
  assert.ok(opts.includes("--allow_gpu_growth=true"));
  assert.ok(opts.includes("--kl_increase_steps=2700"), "scaled by 3 datasets");
  assert.ok(!opts.some((o) => o.startsWith("--tf_debug_dump_root")), "empty values are skipped");
  assert.ok(!opts.some((o) => o.startsWith("--in_factors_dim")), "hidden defaults are skipped");
  assert.equal(opts[0], "--allow_gpu_growth=true", "declaration order");
});

test("coordinated dropout / sample validation: on the command line only when set, validated with the field and the range", () => {
  const names = ["--keep_ratio", "--cd_grad_passthru_prob", "--cv_keep_ratio", "--cv_rand_seed"];
  const off = new RunParams().commandLineOptions();
  assert.ok(!off.some((o) => names.some((n) => o.startsWith(n + "="))), "defaults leave TF LFADS's command line as it was");
  const on = new RunParams({ c_keep_ratio: 0.7, c_cv_keep_ratio: 0.8, c_cv_rand_seed: 3 }).commandLineOptions();
  assert.ok(on.includes("--keep_ratio=0.700000") && on.includes("--cv_keep_ratio=0.800000") && on.includes("--cv_rand_seed=3"));
  assert.ok(!on.some((o) => o.startsWith("--cd_grad_passthru_prob=")));
  assert.throws(() => new RunParams({ c_keep_ratio: 0 }), /c_keep_ratio: invalid value 0; expected a number in \(0, 1\]/);
  assert.throws(() => new RunParams({ c_cd_grad_passthru_prob: 1.5 }), /c_cd_grad_passthru_prob: invalid value 1\.5; expected a number in \[0, 1\]/);
  assert.throws(() => new RunParams({ c_cv_keep_ratio: -0.1 }), /c_cv_keep_ratio: invalid value -0\.1/);
  assert.throws(() => new RunParams({ c_cv_rand_seed: -1 }), /c_cv_rand_seed: invalid value -1; expected an integer/);
});

test("generateSweep varies the first property fastest, names members and rejects duplicates", () => {
  const base = new RunParams({ c_co_dim: 0, name: "base" });
  const s = generateSweep(base, { c_factors_dim: [2, 4], c_gen_dim: [32, 64, 128] });
  assert.equal(s.length, 6);
  assert.deepEqual(s.map((p) => [p.c_factors_dim, p.c_gen_dim]), [[2, 32], [4, 32], [2, 64], [4, 64], [2, 128], [4, 128]]);
  assert.equal(s[0]!.name, "base c_factors_dim=2 c_gen_dim=32");
  assert.equal(new Set(s.map((p) => p.paramHash)).size, 6);
  assert.throws(() => generateSweep(base, { num_samples_posterior: [10, 20] }), /same param_/);
  assert.throws(() => generateSweep(base, { c_factor_dim: [1] } as never), /Did you mean 'c_factors_dim'/);
  assert.throws(() => generateSweep(base, { c_factors_dim: [] }), /non-empty array/);
  assert.throws(() => generateSweep(base, { c_factors_dim: [2, -1] }), /c_factors_dim: invalid value -1/);
});
