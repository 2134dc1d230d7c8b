// PBT over a collection whose inputs reconstruct held-out neurons and forward bins: the default L2/KL ranges scale by the
// reconstructed elements of a trial (T_rec × N_rec), which the reconstruction cost sums over, not by the encoders' T_obs × N_in.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DatasetCollection, NwbDataset, RunCollection, RunParams, RunSpec, prepare, writeNlbMazeNwb } from "../../src/index.js";
import { setupPbt } from "../../src/pbt/setup.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-pbt-recon-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

test("PBT's default search space on recon inputs: ranges × T_rec · N_rec (40 bins × 24 neurons), not T_obs · N_in (35 × 18)", async () => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "data"), { nTrials: 40, nUnits: 24, nHeldout: 6, seed: 5 });
  const dc = new DatasetCollection(path.join(tmp, "data"), "nwb");
  new NwbDataset(dc, path.basename(file), { bin: { binWidthMs: 20, forwardMs: 100 } });
  const rc = new RunCollection(path.join(tmp, "runs"), "nwb", dc);
  rc.addParams(new RunParams({ spikeBinMs: 20, c_co_dim: 0, c_batch_size: 4 }));
  rc.addRunSpec(new RunSpec("single_nwb", dc, 1));
  await prepare(rc);
  const ctx = await setupPbt(rc, { population: 2, generationSteps: 10, burnInSteps: 0, display: false });
  const dim = (name: string) => ctx.space.find((d) => d.name === name)!;
  const e = 40 * 24;
  assert.equal(dim("c_l2_gen_scale").hi, 1 * e);
  assert.ok(Math.abs(dim("c_kl_ic_weight").lo - 1e-6 * e) < 1e-12);
  assert.ok(Math.abs(dim("c_kl_co_weight").hi - 1e-4 * e) < 1e-12);
  // The start has no controller (c_co_dim 0): coordinated dropout is out of the default space, and back when named.
  assert.ok(!ctx.space.some((d) => d.name === "c_keep_ratio"));
  const withCd = await setupPbt(rc, { population: 2, generationSteps: 10, burnInSteps: 0, display: false, searchSpace: { c_keep_ratio: {} } });
  assert.ok(withCd.space.some((d) => d.name === "c_keep_ratio"));
});
