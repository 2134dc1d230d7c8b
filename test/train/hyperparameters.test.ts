// hyperparameters-<step>.txt: the one writer of trainRun and run-lfads (TF-free).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunParams } from "../../src/params/run-params.js";
import { MAX_INT, readNewestHyperparameters, runManagerFlags, tfHyperparameters, writeHyperparameters } from "../../src/train/hyperparameters.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-hyperparameters-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const DATA = { numSteps: 30, datasets: [{ name: "a.h5", numNeurons: 5 }, { name: "b.h5", numNeurons: 7 }] };

test("the file is run_lfads.py's dict in json.dump's layout: booleans as strings, sys.maxsize exact, gen-IC steps clamped to T", () => {
  const flags = { kind: "posterior_push_mean", co_dim: 1, do_causal_controller: false, num_steps_for_gen_ic: MAX_INT, ps_nexamples_to_process: MAX_INT, data_dir: "/d", debug_reduce_timesteps_to: [10, 20] };
  const hps = tfHyperparameters(flags, "train", DATA);
  const file = writeHyperparameters(root, 12, hps);
  assert.equal(path.basename(file), "hyperparameters-12.txt");
  assert.equal(
    fs.readFileSync(file, "utf8"),
    '{"co_dim": 1, "do_causal_controller": "false", "num_steps_for_gen_ic": 30, "ps_nexamples_to_process": 9223372036854775807, "data_dir": "/d", ' +
      '"debug_reduce_timesteps_to": [10, 20], "kind": "train", "dataset_names": ["a.h5", "b.h5"], "dataset_dims": {"a.h5": 5, "b.h5": 7}, "num_steps": 30, "ndatasets": 2}\n',
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { ...hps, ps_nexamples_to_process: 2 ** 63 }, "plain JSON");
});

test("Run Manager flags: every c_* property without its prefix, the ramp steps training uses, the folders", () => {
  const p = new RunParams({ c_co_dim: 2, c_kl_increase_steps: 100 });
  const flags = runManagerFlags(p, { dataDir: "/in", saveDir: "/out", stem: "lfads" }, { klStartStep: 1, klIncreaseSteps: 200, l2StartStep: 3, l2IncreaseSteps: 400 });
  assert.equal(flags["co_dim"], 2);
  assert.equal(flags["device"], "/gpu:0");
  assert.deepEqual([flags["kl_start_step"], flags["kl_increase_steps"], flags["l2_start_step"], flags["l2_increase_steps"]], [1, 200, 3, 400]);
  assert.deepEqual([flags["data_dir"], flags["lfads_save_dir"], flags["data_filename_stem"]], ["/in", "/out", "lfads"]);
  assert.ok(!("c_co_dim" in flags) && !("spikeBinMs" in flags), "only trainer flags, without the c_ prefix");
});

test("readNewestHyperparameters: the highest step that parses", () => {
  const dir = path.join(root, "newest");
  fs.mkdirSync(dir);
  assert.equal(readNewestHyperparameters(dir), undefined);
  writeHyperparameters(dir, 9, { gen_dim: 8 });
  writeHyperparameters(dir, 10, { gen_dim: 9 });
  fs.writeFileSync(path.join(dir, "hyperparameters-11.txt"), "{half");
  const r = readNewestHyperparameters(dir);
  assert.equal(r?.file, path.join(dir, "hyperparameters-10.txt"), "10 beats 9 numerically; 11 does not parse");
  assert.deepEqual(r?.values, { gen_dim: 9 });
});
