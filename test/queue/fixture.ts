/** A tiny prepared sweep (one small Lorenz dataset, a few very small models) for the queue tests. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { generateLorenzDatasets } from "../../src/data/lorenz.js";
import { RunParams } from "../../src/params/run-params.js";
import { prepare } from "../../src/prepare/prepare.js";
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
