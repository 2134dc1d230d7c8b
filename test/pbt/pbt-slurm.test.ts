/**
 * PBT with one Slurm job array per generation, against the real single-node Slurm the queue tests use
 * (scripts/slurm-local.sh, started here if it is not running and stopped at the end). Skipped, with the
 * reason logged, only when slurm-wlm/munge are missing or we are not root.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { pbt } from "../../src/pbt/pbt.js";
import { readSlurmJobs, squeueTasks } from "../../src/queue/slurm.js";
import { readPbtLedger } from "../../src/runs/pbt-ledger.js";
import { slurmSkipReason, tinySweep, tmpDir, useLocalSlurm } from "../queue/fixture.js";

const tmp = tmpDir("lfads-pbt-slurm-");

const skip = slurmSkipReason();
if (skip) console.log(`# PBT Slurm test skipped: ${skip}`);
useLocalSlurm(skip);

test("pbt on Slurm: one job array per generation (train only), members trained to each target, best sampled", { skip, timeout: 400_000 }, async () => {
  const rc = await tinySweep(path.join(tmp, "s"), [6], "pbt_slurm");
  const r = await pbt(rc, { population: 2, generations: 2, generationSteps: 8, burnInSteps: 8, stop: false, posteriorSamples: 4, slurm: { cpusPerTask: 1, time: "10:00" }, slurmPollSeconds: 1, display: false });
  assert.equal(r.interrupted, false);
  const ledger = readPbtLedger(rc.path)!;
  assert.deepEqual(ledger.generations.map((g) => g.members.map((m) => m.step)), [[16, 16], [24, 24]]);
  assert.ok(ledger.generations.every((g) => g.evaluated));
  // Population 2: one pair, so generation 2 has exactly one copy, from the member that scored lower.
  const copy = ledger.generations[1]!.members.filter((m) => m.copiedFrom !== null);
  assert.equal(copy.length, 1);
  const g0 = ledger.generations[0]!.members;
  assert.ok(g0.find((m) => m.member === copy[0]!.copiedFrom)!.fitness! <= g0.find((m) => m.member === copy[0]!.member)!.fitness!);
  // Two submissions, one per generation, each with both members, each task trained only (no posterior, no lfads.done).
  const jobs = readSlurmJobs(rc.path);
  assert.equal(jobs.length, 2);
  for (const j of jobs) {
    assert.deepEqual(j.runs, ["pbt/members/member_00", "pbt/members/member_01"]);
    assert.match(fs.readFileSync(j.script, "utf8"), /run-one "\$run_dir" --retrain --train-only -- --max-steps \d+ --reset-learning-rate/);
  }
  assert.ok(ledger.best?.scores?.[0]?.r2 !== undefined, "best member sampled and scored");
  assert.equal([...(squeueTasks()?.values() ?? [])].filter((t) => jobs.some((j) => j.jobId === t.jobId)).length, 0, "no task left in the queue");
});

test("pbt on Slurm: a driver stopped while a generation's job array runs is rerun, waits for that job instead of submitting again, and finishes", { skip, timeout: 400_000 }, async () => {
  const rc = await tinySweep(path.join(tmp, "k"), [6], "pbt_slurm_kill");
  const options = { population: 2, generations: 2, generationSteps: 8, burnInSteps: 8, stop: false as const, posteriorSamples: 4, slurm: { cpusPerTask: 1, time: "10:00" }, slurmPollSeconds: 1, display: false };
  const ac = new AbortController();
  const poll = setInterval(() => {
    if (readSlurmJobs(rc.path).length >= 1) ac.abort();
  }, 100);
  const first = await pbt(rc, { ...options, signal: ac.signal });
  clearInterval(poll);
  assert.equal(first.interrupted, true);
  assert.equal(readPbtLedger(rc.path)!.generations[0]!.evaluated, false, "stopped inside generation 1");
  const second = await pbt(rc, options);
  assert.equal(second.interrupted, false);
  const ledger = readPbtLedger(rc.path)!;
  assert.deepEqual(ledger.generations.map((g) => g.members.map((m) => m.step)), [[16, 16], [24, 24]]);
  assert.equal(readSlurmJobs(rc.path).length, 2, "one job array per generation: the rerun did not submit generation 1 again");
  assert.ok(ledger.best?.scores?.[0]?.r2 !== undefined);
});
