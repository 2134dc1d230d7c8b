/** A tiny prepared sweep (one small Lorenz dataset, a few very small models) for the queue tests. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before } from "node:test";
import { setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { generateLorenzDatasets } from "../../src/data/lorenz.js";
import { RunParams } from "../../src/params/run-params.js";
import { prepare } from "../../src/prepare/prepare.js";
import { slurmInstalled, squeueTasks } from "../../src/queue/slurm.js";
import { RunCollection } from "../../src/runs/run-collection.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import { writeRunParamsFile } from "../../src/runs/run-params-file.js";

export const ROOT = path.resolve(__dirname, "..", "..");
export const LAUNCHER = path.join(ROOT, "bin", "lfads.js");

/** A very small model: 40 trials of 25 bins, batch 4, a few units per layer. */
export const TINY = new RunParams({
  c_batch_size: 4,
  c_factors_dim: 2,
  c_gen_dim: 6,
  c_ic_enc_dim: 4,
  c_ic_dim: 2,
  c_co_dim: 0,
  c_learning_rate_stop: 0.001,
  num_samples_posterior: 8,
});

/** `lfads train` arguments that keep every test training to a couple of seconds. */
export const QUICK = ["--max-epochs", "2"];

export function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Generate the data and prepare `rc` with one run spec and `genDims.length` params under `root`. */
export async function tinySweep(root: string, genDims: readonly number[], name = "sweep"): Promise<RunCollection> {
  const dsDir = path.join(root, "datasets");
  if (!fs.existsSync(path.join(dsDir, "dataset001.h5"))) {
    await generateLorenzDatasets(dsDir, { nDatasets: 1, nConditions: 4, nTime: 50, minTrialsPerCondition: 10, maxTrialsPerCondition: 10, minChannels: 5, maxChannels: 6, seed: 1, today: "2020-01-01", onProgress: () => {} });
  }
  const dc = new DatasetCollection(dsDir, "lorenz_tiny");
  new Dataset(dc, "dataset001.h5");
  const rc = new RunCollection(path.join(root, "runs"), name, dc);
  rc.addParams(genDims.map((g) => TINY.with({ c_gen_dim: g })));
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  const prev = setWarningSink(() => {});
  try {
    await prepare(rc);
    // params.json, which `lfads train <runDir>` reads (idempotent if prepare wrote it already).
    for (const run of rc.runList) writeRunParamsFile(run);
  } finally {
    setWarningSink(prev);
  }
  return rc;
}

/** `node bin/lfads.js …` (needs `npm run build`). */
export function lfads(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; out: string; err: string } {
  if (!fs.existsSync(path.join(ROOT, "dist", "cli.js"))) throw new Error("dist/cli.js missing: run 'npm run build'");
  const r = spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: "utf8", env, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Why the local test cluster cannot run here (slurm-wlm/munge missing, not root), or undefined when it can. */
export function slurmSkipReason(): string | undefined {
  if (!slurmInstalled() || !fs.existsSync("/usr/sbin/slurmctld")) return "slurm-wlm is not installed (apt-get install slurm-wlm munge)";
  if (!fs.existsSync("/usr/sbin/munged")) return "munge is not installed (apt-get install munge)";
  if (process.getuid?.() !== 0) return "the local test cluster needs root (scripts/slurm-local.sh writes /etc/slurm/slurm.conf)";
  return undefined;
}

/**
 * The real single-node Slurm of scripts/slurm-local.sh for a test file: started before its tests (unless
 * `skip`), stopped after them if this file started it, with none of our tasks left queued.
 */
export function useLocalSlurm(skip: string | undefined): void {
  const script = path.join(ROOT, "scripts", "slurm-local.sh");
  let startedHere = false;
  before(() => {
    if (skip) return;
    const r = spawnSync("bash", [script, "start"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `slurm-local.sh start failed: ${r.stdout}${r.stderr}`);
    startedHere = /started/.test(r.stdout) && !/already running/.test(r.stdout);
  });
  after(() => {
    if (skip || !startedHere) return;
    for (const t of squeueTasks()?.values() ?? []) spawnSync("scancel", [t.jobId]);
    const r = spawnSync("bash", [script, "stop"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `slurm-local.sh stop failed: ${r.stdout}${r.stderr}`);
  });
}
