// The Slurm path against a real single-node Slurm (scripts/slurm-local.sh), started here and stopped at
// the end. Skipped, with the reason logged, only when slurm-wlm/munge are not installed or we are not root.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { SlurmError } from "../../src/queue/errors.js";
import { RUN_DONE } from "../../src/queue/run-files.js";
import { cancelSlurm, readSlurmJobs, submitSlurm } from "../../src/queue/slurm.js";
import { sweepStatus, type SweepStatus } from "../../src/queue/status.js";
import { QUICK, lfads, slurmSkipReason, tinySweep, tmpDir, useLocalSlurm } from "./fixture.js";

const tmp = tmpDir("lfads-queue-slurm-");

const skip = slurmSkipReason();
if (skip) console.log(`# Slurm tests skipped: ${skip}`);
useLocalSlurm(skip);

async function waitFor(rcDir: string, pred: (s: SweepStatus) => boolean, timeoutMs: number): Promise<SweepStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = sweepStatus(rcDir);
    if (pred(s)) return s;
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms; status:\n${JSON.stringify(s.runs, null, 1)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("Slurm errors: not installed, unknown partition, sbatch rejection — each says what to do", { skip }, async () => {
  const rc = await tinySweep(path.join(tmp, "errors"), [6], "errors");
  const savedPath = process.env["PATH"];
  process.env["PATH"] = path.join(tmp, "no-bin");
  try {
    await assert.rejects(submitSlurm(rc), (e: Error) => e instanceof SlurmError && /^Slurm is not available here: 'sbatch' is not on PATH\. On a cluster, load it first \(e\.g\. 'module load slurm'\); on Debian\/Ubuntu install it with 'apt-get install slurm-wlm munge'/.test(e.message));
  } finally {
    process.env["PATH"] = savedPath;
  }
  await assert.rejects(submitSlurm(rc, { partition: "debgu" }), (e: Error) => e instanceof SlurmError && e.message === "Slurm partition 'debgu' does not exist on this cluster; available partitions: debug (default). Did you mean 'debug'?");
  await assert.rejects(
    submitSlurm(rc, { mem: "100000000M" }),
    (e: Error) => e instanceof SlurmError && /^sbatch rejected the job array \(exit code 1\): sbatch: error: .*(memory|node configuration).*; no node offers what was requested/s.test(e.message) && e.message.includes("Script: "),
  );
  assert.deepEqual(readSlurmJobs(rc.path), [], "nothing recorded for rejected submissions");
  const cli = lfads(["run", rc.path, "--slurm", "--partition", "gpu"]);
  assert.equal(cli.code, 1);
  assert.equal(cli.err, "lfads run: Slurm partition 'gpu' does not exist on this cluster; available partitions: debug (default)\n");
});

test("Slurm: a pending job array shows in lfads status and lfads cancel removes it", { skip }, async () => {
  const rc = await tinySweep(path.join(tmp, "pending"), [6, 8], "pending");
  const sub = await submitSlurm(rc, { extraArgs: ["--begin=now+1hour"], maxConcurrent: 1, jobName: "lfads_pending_test" });
  assert.match(sub.jobId ?? "", /^\d+$/);
  assert.equal(sub.runs.length, 2);
  const script = fs.readFileSync(sub.script!, "utf8");
  for (const line of ["#SBATCH --array=0-1%1", "#SBATCH --job-name=lfads_pending_test", "#SBATCH --cpus-per-task=1", "#SBATCH --begin=now+1hour", `#SBATCH --output=${path.join(rc.path, "slurm", "logs", "%A_%a.out")}`]) {
    assert.ok(script.includes(`${line}\n`), `${line} in\n${script}`);
  }
  assert.deepEqual(fs.readFileSync(sub.tasksFile!, "utf8").trim().split("\n"), rc.runList.map((r) => r.path));
  const s = await waitFor(rc.path, (x) => x.counts.pending === 2, 20_000);
  assert.ok(s.runs.every((r) => r.detail.startsWith(`Slurm ${sub.jobId}_`)), JSON.stringify(s.runs));
  // Submitting again leaves queued runs alone.
  const again = await submitSlurm(rc, { dryRun: false });
  assert.equal(again.jobId, undefined);
  assert.deepEqual(again.active.sort(), s.runs.map((r) => r.id).sort());
  const st = lfads(["status", rc.path]);
  assert.equal(st.code, 3);
  assert.match(st.out, new RegExp(`2 runs: 2 pending\\nSlurm jobs: ${sub.jobId}\\n`));
  const c = lfads(["cancel", rc.path]);
  assert.equal(c.code, 0, c.err);
  assert.equal(c.out, `Cancelled Slurm job ${sub.jobId}.\n`);
  await waitFor(rc.path, (x) => x.counts["not started"] === 2, 20_000);
  assert.ok(readSlurmJobs(rc.path)[0]!.cancelled);
  assert.deepEqual(cancelSlurm(rc.path).cancelled, []);
});

test("Slurm: a tiny sweep runs to completion through sbatch; a corrupted run fails with its reason; status and resubmission", { skip }, async () => {
  const rc = await tinySweep(path.join(tmp, "sweep"), [6, 8, 10], "sweep");
  const [good1, bad, good2] = rc.runList;
  // Corrupt one run's input: its own link replaced by a file that is not HDF5.
  const input = bad!.lfadsInputLinks[0]!;
  fs.rmSync(input);
  fs.writeFileSync(input, "this is not an HDF5 file\n");

  const sub = await submitSlurm(rc.path, { cpusPerTask: 1, maxConcurrent: 2, time: "10:00", trainArgs: QUICK });
  assert.equal(sub.runs.length, 3);
  const s = await waitFor(rc.path, (x) => x.counts.done + x.counts.failed === 3, 150_000);
  assert.equal(s.counts.done, 2, JSON.stringify(s.runs, null, 1));
  for (const run of [good1!, good2!]) {
    assert.ok(fs.existsSync(path.join(run.path, RUN_DONE)));
    const out = fs.readdirSync(run.pathLFADSOutput);
    assert.ok(out.includes("fitlog.csv") && out.includes("model_params"), out.join(", "));
    assert.ok(out.some((f) => f.startsWith("model_runs_") && f.includes("_train_posterior_sample_and_average")), out.join(", "));
    assert.match(fs.readFileSync(run.fileLFADSOutput, "utf8"), /Slurm \d+_\d, LFADS_THREADS=1\)/);
  }
  const failed = s.runs.find((r) => r.id === `${bad!.paramsString}/${bad!.name}`)!;
  assert.equal(failed.state, "failed");
  assert.equal(failed.failure!.stage, "train");
  assert.match(failed.failure!.reason, /^lfads train exited with code 1: lfads train: ./);
  const logs = fs.readdirSync(path.join(rc.path, "slurm", "logs"));
  assert.equal(logs.length, 3, logs.join(", "));

  const st = lfads(["status", rc.path]);
  assert.equal(st.code, 1, "some failed");
  assert.match(st.out, /3 runs: 2 done, 1 failed\n/);
  assert.match(st.out, new RegExp(`${bad!.paramsString}/single_dataset001 +failed +train \\(exit code 1\\): lfads train exited with code 1`));
  // Re-running submits only what is not done.
  const again = await submitSlurm(rc.path, { dryRun: true });
  assert.deepEqual(again.runs, [`${bad!.paramsString}/single_dataset001`]);
  assert.equal(again.alreadyDone.length, 2);
});
