// The local worker pool on a tiny sweep with the real trainer: one run made to fail (corrupted input),
// skip-if-done, the failure marker and message, the others complete, a stopped run resumes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTextOutput } from "../../src/display/bridge.js";
import { runLocal } from "../../src/queue/local.js";
import type { SweepProgress } from "../../src/queue/progress.js";
import { RUN_DONE, RUN_FAILED, RUN_RUNNING, RUN_TRAIN_DONE, readFailure } from "../../src/queue/run-files.js";
import { sweepStatus } from "../../src/queue/status.js";
import { QUICK, lfads, tinySweep, tmpDir } from "./fixture.js";

const tmp = tmpDir("lfads-queue-local-");

test("runLocal: 3 runs on 2 workers, one corrupted — it fails with its reason, the others finish; a second call skips what is done", async () => {
  const rc = await tinySweep(tmp, [6, 8, 10]);
  const [good1, bad, good2] = rc.runList;
  const input = bad!.lfadsInputLinks[0]!;
  fs.rmSync(input);
  fs.writeFileSync(input, "this is not an HDF5 file\n");

  const events: SweepProgress[] = [];
  const lines: string[] = [];
  setTextOutput({ write: (t: string) => lines.push(t) });
  let result;
  try {
    result = await runLocal(rc, { workers: 2, trainArgs: QUICK, onProgress: (p) => events.push(p) });
  } finally {
    setTextOutput("stdout");
  }
  const text = lines.join("");
  assert.deepEqual(result.done.sort(), [good1!, good2!].map((r) => `${r.paramsString}/single_dataset001`).sort());
  assert.equal(result.failed.length, 1);
  assert.equal(result.ok, false);
  const f = result.failed[0]!;
  assert.equal(f.id, `${bad!.paramsString}/single_dataset001`);
  assert.equal(f.failure.stage, "train");
  assert.equal(f.failure.exitCode, 1);
  // The reason ends with the trainer's last line (its own error message).
  assert.match(f.failure.reason, /^lfads train exited with code 1: lfads train: ./);
  assert.equal(f.failure.reason.slice("lfads train exited with code 1: ".length), f.failure.tail.at(-1));
  assert.deepEqual(readFailure(bad!.path), f.failure, "lfads.failed holds the same");
  assert.ok(f.failure.tail.length > 0 && f.failure.tail.length <= 20);
  assert.ok(!fs.existsSync(path.join(bad!.path, RUN_DONE)));

  for (const run of [good1!, good2!]) {
    for (const m of [RUN_DONE, RUN_TRAIN_DONE]) assert.ok(fs.existsSync(path.join(run.path, m)), `${m} in ${run.path}`);
    for (const m of [RUN_FAILED, RUN_RUNNING]) assert.ok(!fs.existsSync(path.join(run.path, m)), `no ${m} in ${run.path}`);
    const out = fs.readdirSync(run.pathLFADSOutput);
    assert.ok(out.includes("fitlog.csv") && out.includes("model_params"), out.join(", "));
    assert.ok(out.some((x) => x.startsWith("model_runs_") && x.includes("_train_posterior_sample_and_average")), out.join(", "));
    const log = fs.readFileSync(run.fileLFADSOutput, "utf8");
    assert.match(log, /===== lfads-ts train of .* \(pid \d+, LFADS_THREADS=\d+\) =====/);
    assert.match(log, /===== lfads-ts posterior of /);
  }

  // Progress: one summary for the sweep, ending finished with the counts.
  const last = events.at(-1)!;
  assert.equal(last.finished, true);
  assert.deepEqual([last.total, last.done, last.failed, last.running, last.queued], [3, 2, 1, 0, 0]);
  assert.equal(last.workers, 2);
  assert.ok(events.some((e) => e.running === 2), "both workers busy at some point");
  assert.match(text, /3 runs in .*: 3 to train; 2 workers × LFADS_THREADS=\d+/);
  assert.match(text, new RegExp(`${bad!.paramsString}/single_dataset001: FAILED in train — lfads train exited with code 1`));
  assert.match(text, /sweep: 2\/3 done, 0 running, 1 failed, 0 queued · \d+s\n$/);

  // Again: the done runs are skipped untouched, the failed one is retried (and fails again).
  const doneTimes = [good1!, good2!].map((r) => fs.statSync(path.join(r.path, RUN_DONE)).mtimeMs);
  const again = await runLocal(rc.path, { workers: 2, trainArgs: QUICK, display: false });
  assert.equal(again.skipped.length, 2);
  assert.deepEqual(again.failed.map((x) => x.id), [f.id]);
  assert.deepEqual([good1!, good2!].map((r) => fs.statSync(path.join(r.path, RUN_DONE)).mtimeMs), doneTimes);

  const st = sweepStatus(rc.path);
  assert.deepEqual(st.counts, { done: 2, running: 0, pending: 0, failed: 1, interrupted: 0, "not started": 0 });

  // The CLI: exit 1 with the failure named; then fixed input → the sweep completes.
  const cli = lfads(["run", rc.path, "--workers", "1", "--train-args", QUICK.join(" ")]);
  assert.equal(cli.code, 1);
  assert.match(cli.err, new RegExp(`^lfads run: 1 of 3 runs failed: ${f.id} \\(train: lfads train exited with code 1`));
  fs.rmSync(input);
  fs.symlinkSync(path.relative(bad!.pathLFADSInput, bad!.lfadsInputFiles[0]!), input);
  const fixed = lfads(["run", rc.path, "--workers", "1", "--train-args", QUICK.join(" ")]);
  assert.equal(fixed.code, 0, fixed.err);
  assert.match(fixed.out, /sweep: 3\/3 done, 0 running, 0 failed, 0 queued \(2 already done\)/);
  assert.ok(!fs.existsSync(path.join(bad!.path, RUN_FAILED)), "a successful retry clears lfads.failed");
});

test("runLocal: a sweep stopped mid-training keeps the checkpoint; running it again resumes and finishes", async () => {
  const rc = await tinySweep(path.join(tmp, "resume"), [6], "resume");
  const run = rc.runList[0]!;
  const ac = new AbortController();
  const watch = setInterval(() => {
    const out = run.pathLFADSOutput;
    if (fs.existsSync(out) && fs.readdirSync(out).some((x) => /ckpt-\d+/.test(x))) ac.abort();
  }, 100);
  let first;
  try {
    first = await runLocal(rc, { workers: 1, display: false, signal: ac.signal, trainArgs: ["--max-epochs", "4"] });
  } finally {
    clearInterval(watch);
  }
  assert.equal(ac.signal.aborted, true, "a checkpoint appeared before training ended (make the run longer otherwise)");
  assert.deepEqual(first.interrupted, [`${run.paramsString}/single_dataset001`]);
  assert.ok(!fs.existsSync(path.join(run.path, RUN_FAILED)), "a user stop is not a failure");
  assert.ok(!fs.existsSync(path.join(run.path, RUN_RUNNING)));
  assert.ok(fs.readdirSync(run.pathLFADSOutput).some((x) => /ckpt-\d+/.test(x)), "checkpoint kept");
  assert.equal(sweepStatus(rc.path).runs[0]!.state, "interrupted");

  const second = await runLocal(rc, { workers: 1, display: false, trainArgs: ["--max-epochs", "4"] });
  assert.deepEqual(second.done, [`${run.paramsString}/single_dataset001`]);
  assert.match(fs.readFileSync(run.fileLFADSOutput, "utf8"), /resuming from /);
});
