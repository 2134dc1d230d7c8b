// Per-run scripts, run discovery, input checks, run-state files and the CLI's usage errors (no training).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError } from "../../src/core/errors.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import { executeRun } from "../../src/queue/execute.js";
import { RUN_FAILED, RUN_RUNNING, acquireRun, readFailure, readRunning, stageTail, writeFailure } from "../../src/queue/run-files.js";
import { POSTERIOR_SCRIPT, TRAIN_SCRIPT, runScriptText, writeRunScripts } from "../../src/queue/scripts.js";
import { sweepStatus } from "../../src/queue/status.js";
import { checkRunInputs, checkSweepInputs, discoverRuns, sweepOf } from "../../src/queue/sweep-runs.js";
import { LAUNCHER, lfads, tinySweep, tmpDir } from "./fixture.js";

const tmp = tmpDir("lfads-queue-scripts-");

test("writeRunScripts: executable train/posterior scripts with absolute paths and a launcher check", async () => {
  const rc = await tinySweep(tmp, [6]);
  const run = rc.runList[0]!;
  const s = writeRunScripts(run);
  assert.equal(s.train, path.join(run.path, TRAIN_SCRIPT));
  assert.equal(s.posterior, run.fileShellScriptLFADSPosteriorMeanSample);
  assert.equal(path.basename(s.posterior), POSTERIOR_SCRIPT);
  for (const f of [s.train, s.posterior]) assert.equal(fs.statSync(f).mode & 0o777, 0o755, `${f} is executable`);
  const train = fs.readFileSync(s.train, "utf8");
  assert.ok(train.startsWith("#!/bin/bash\n\n"), "header then a blank line, as MATLAB writes it");
  assert.ok(train.includes(`lfads_js=${LAUNCHER}\n`), train);
  assert.ok(train.endsWith(`exec "$node_bin" "$lfads_js" train ${run.path} "$@"\n`), train);
  assert.ok(fs.readFileSync(s.posterior, "utf8").includes(`"$lfads_js" posterior ${run.path} "$@"`));
  const before = fs.statSync(s.train).mtimeMs;
  writeRunScripts(run.path);
  assert.equal(fs.statSync(s.train).mtimeMs, before, "unchanged text is not rewritten");

  // A script whose launcher went away says so and exits 1.
  const moved = path.join(tmp, "moved.sh");
  fs.writeFileSync(moved, runScriptText("train", run.path, { launcher: "/nonexistent/lfads-ts/bin/lfads.js" }));
  const r = spawnSync("bash", [moved], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error: the lfads launcher \/nonexistent\/lfads-ts\/bin\/lfads\.js was not found\. Reinstall lfads-ts/);
  // Quoting: a run folder with a space and a quote.
  const odd = runScriptText("train", "/tmp/a b/it's", { launcher: LAUNCHER });
  assert.ok(odd.includes(`train '/tmp/a b/it'\\''s' "$@"`), odd);
});

test("run discovery and input checks: unprepared runs, broken links and stale data hashes are named with the fix", async () => {
  const root = path.join(tmp, "checks");
  const rc = await tinySweep(root, [6, 8], "checks");
  const runs = discoverRuns(rc.path);
  assert.deepEqual(runs.map((r) => r.id).sort(), rc.runList.map((r) => `${r.paramsString}/${r.name}`).sort());
  assert.deepEqual(sweepOf(rc).runs.map((r) => r.dir), rc.runList.map((r) => r.path), "a RunCollection gives rc.runList order");
  await checkSweepInputs(sweepOf(rc.path));

  assert.throws(() => sweepOf(path.join(root, "nope")), (e: Error) => e instanceof LayoutError && /run collection folder not found: .*nope; pass the folder of a prepared RunCollection/.test(e.message));
  fs.mkdirSync(path.join(root, "empty"));
  assert.throws(() => sweepOf(path.join(root, "empty")), (e: Error) => e instanceof LayoutError && /no prepared runs under .*empty .*prepare the RunCollection first/.test(e.message));

  // A run spec added after prepare: its folder does not exist yet.
  rc.addRunSpec(new RunSpec("late", rc.datasetCollection, 1));
  const late = rc.findRuns("late");
  await assert.rejects(checkSweepInputs(sweepOf(rc)), (e: Error) => e instanceof LayoutError && e.message.includes(`2 of 4 runs under ${rc.path} are not ready to train`) && e.message.includes(`${late[0]!.paramsString}/late: run folder not found`) && /prepare/.test(e.message));
  fs.mkdirSync(late[0]!.path, { recursive: true });
  await assert.rejects(checkRunInputs(late[0]!.path), (e: Error) => e instanceof LayoutError && e.message === `run folder ${late[0]!.path} is not prepared (no lfadsInput/ folder); run prepare for its RunCollection (await rc.prepare()) first`);

  // Inputs linking into a data folder whose name disagrees with the stored paramInputDataHash.
  const [a, b] = rc.findRuns("single_dataset001");
  const link = path.join(b!.pathLFADSInput, "inputInfo_dataset001.h5");
  // Same check with a hand-made mismatch: a data folder name that differs from the stored hash.
  const fake = path.join(rc.path, "data_zzzzzz", "single_dataset001");
  fs.mkdirSync(fake, { recursive: true });
  fs.copyFileSync(a!.lfadsInputInfoFiles[0]!, path.join(fake, "inputInfo_dataset001.h5"));
  fs.rmSync(link);
  fs.symlinkSync(path.relative(b!.pathLFADSInput, path.join(fake, "inputInfo_dataset001.h5")), link);
  await assert.rejects(
    checkRunInputs(b!.path),
    (e: Error) =>
      e instanceof DataError &&
      e.message === `run ${b!.path}: the dataset or params changed since prepare: lfadsInput/inputInfo_dataset001.h5 was written for ${a!.params.dataHashString} but links into data_zzzzzz; prepare the RunCollection again with { regenerate: true } (lfads-ts will not train on stale inputs)`,
  );
  // A broken link.
  fs.rmSync(fake, { recursive: true });
  await assert.rejects(checkRunInputs(b!.path), (e: Error) => e instanceof LayoutError && /input lfadsInput\/inputInfo_dataset001\.h5 -> .*data_zzzzzz.* is missing \(broken link/.test(e.message));

  // executeRun records a failed input check in lfads.failed without running anything.
  const out = await executeRun(b!.path);
  assert.equal(out.state, "failed");
  const f = readFailure(b!.path)!;
  assert.equal(f.stage, "check");
  assert.match(f.reason, /broken link/);
  assert.ok(!fs.existsSync(path.join(b!.path, RUN_RUNNING)), "lock released");
  assert.ok(!fs.existsSync(path.join(b!.path, "lfadsOutput")), "nothing trained");
  const st = sweepStatus(rc.path);
  const state = (id: string) => st.runs.find((r) => r.id === id)?.state;
  assert.equal(state(`${b!.paramsString}/single_dataset001`), "failed");
  assert.equal(state(`${a!.paramsString}/single_dataset001`), "not started");
  assert.equal(state(`${late[0]!.paramsString}/late`), undefined, "folder scan: only prepared runs");
});

test("run-state files: failure markers round-trip; the run lock refuses a live holder and replaces a dead one", () => {
  const dir = path.join(tmp, "state");
  fs.mkdirSync(dir);
  const log = path.join(dir, "lfads.out");
  fs.writeFileSync(log, "old attempt\n===== lfads-ts train started =====\n" + Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") + "\n");
  assert.deepEqual(stageTail(log, 3), ["line 27", "line 28", "line 29"]);
  fs.writeFileSync(log, "===== lfads-ts a =====\nx\n===== lfads-ts b =====\ny\nz\n");
  assert.deepEqual(stageTail(log, 20), ["y", "z"], "only the latest stage's lines");
  const f = { stage: "train" as const, exitCode: 1, signal: null, reason: "lfads train exited with code 1: boom", host: "h", finished: "2020-01-01T00:00:00.000Z", log, tail: ["a: b", "", "c"] };
  writeFailure(dir, f);
  assert.deepEqual(readFailure(dir), f);
  assert.ok(fs.readFileSync(path.join(dir, RUN_FAILED), "utf8").startsWith("lfads-ts: this run failed\nstage: train\nexit code: 1\nsignal: \nreason: lfads train exited with code 1: boom\n"));

  const mine = acquireRun(dir, { pid: process.pid, host: "x", stage: "train", started: "now" });
  assert.ok("lock" in mine);
  // Another host's marker with a fresh heartbeat counts as alive.
  const again = acquireRun(dir, { pid: 1, host: "y", stage: "train", started: "now" });
  assert.ok("holder" in again && again.holder.info.host === "x");
  mine.lock.release();
  // A marker of a dead process on this host is replaced.
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  fs.writeFileSync(path.join(dir, RUN_RUNNING), JSON.stringify({ pid: Number(dead.stdout), host: (require("node:os") as typeof import("node:os")).hostname(), stage: "train", started: "then" }));
  assert.equal(readRunning(dir)?.alive, false);
  const taken = acquireRun(dir, { pid: process.pid, host: "x", stage: "train", started: "now" });
  assert.ok("lock" in taken);
  taken.lock.release();
  assert.equal(readRunning(dir), undefined);
});

test("lfads run/status/cancel: usage errors and a status table of a fresh sweep", async () => {
  const rc = await tinySweep(path.join(tmp, "cli"), [6, 8], "cli");
  let r = lfads(["run", rc.path, "--partition", "debug"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--partition is a Slurm option; add --slurm/);
  r = lfads(["run", rc.path, "--slurm", "--workers", "2"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--workers is for --local/);
  r = lfads(["run", path.join(tmp, "missing")]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^lfads run: run collection folder not found: .*missing; pass the folder of a prepared RunCollection \(rc\.path\)\n$/);
  r = lfads(["status", rc.path]);
  assert.equal(r.code, 3, r.err);
  assert.ok(r.out.startsWith(`${rc.path}\n2 runs: 2 not started\n`), r.out);
  for (const run of rc.runList) assert.match(r.out, new RegExp(`${run.paramsString}/single_dataset001 +not started`));
  r = lfads(["status", rc.path, "--json"]);
  const j = JSON.parse(r.out) as { runs: { id: string; state: string }[]; counts: Record<string, number> };
  assert.equal(j.counts["not started"], 2);
  r = lfads(["cancel", rc.path]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `No Slurm jobs recorded for ${rc.path}.\n`);
});
