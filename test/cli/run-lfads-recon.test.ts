// `lfads run-lfads` on an input file with held-out neurons, forward bins and test trials
// (train_recon_data / valid_recon_data / test_data): the shapes come from the file, the log and
// hyperparameters-<step>.txt record T_obs, T_rec, N_in and N_rec, the posterior files of the train,
// valid and test splits hold rates over T_rec bins and N_rec neurons, and prior samples run T_rec steps.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, type CliIO } from "../../src/cli.js";
import { Rng } from "../../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { readModelRuns } from "../../src/run-lfads/files.js";

const [T, N, TR, NR] = [10, 5, 13, 8];
const [E_TRAIN, E_VALID, E_TEST] = [16, 8, 3];
const DS = "session_a";
let root = "";

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-run-lfads-recon-"));
  const rng = new Rng(3);
  const counts = (E: number, t: number, n: number): BigInt64Array => BigInt64Array.from({ length: E * t * n }, (_, i) => BigInt(rng.poisson(1 + Math.sin(i / 7))));
  /** [E, T_rec, N_rec] recon counts and their held-in observed block. */
  const split = (E: number): { recon: BigInt64Array; data: BigInt64Array } => {
    const recon = counts(E, TR, NR);
    const data = new BigInt64Array(E * T * N);
    for (let e = 0; e < E; e++) for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) data[(e * T + t) * N + n] = recon[(e * TR + t) * NR + n]!;
    return { recon, data };
  };
  const tr = split(E_TRAIN);
  const va = split(E_VALID);
  await writeH5Atomic(path.join(root, "data", `nlbx_${DS}`), (f) => {
    writeArray(f, "train_data", { data: tr.data, shape: [E_TRAIN, T, N] });
    writeArray(f, "valid_data", { data: va.data, shape: [E_VALID, T, N] });
    writeArray(f, "train_recon_data", { data: tr.recon, shape: [E_TRAIN, TR, NR] });
    writeArray(f, "valid_recon_data", { data: va.recon, shape: [E_VALID, TR, NR] });
    writeArray(f, "test_data", { data: counts(E_TEST, T, N), shape: [E_TEST, T, N] });
  });
});
after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function ok(argv: string[]): Promise<string> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await main(["run-lfads", ...argv], io);
  assert.equal(code, 0, `lfads run-lfads ${argv.join(" ")}\n${err}`);
  return out;
}

const FLAGS = (): string[] => [
  `--data_dir=${path.join(root, "data")}`, "--data_filename_stem=nlbx", `--lfads_save_dir=${path.join(root, "save")}`,
  "--factors_dim=3", "--gen_dim=8", "--ic_dim=3", "--ic_enc_dim=6", "--ci_enc_dim=4", "--con_dim=4", "--co_dim=1", "--batch_size=4",
  "--kl_increase_steps=4", "--l2_increase_steps=4", "--learning_rate_init=0.02", "--keep_ratio=0.7",
];

test("run-lfads with recon and test data: train, posterior files of three splits, prior samples", { timeout: 600_000 }, async () => {
  const save = path.join(root, "save");
  const out = await ok(["--kind=train", ...FLAGS(), "--max_epochs=2"]);
  assert.match(out, new RegExp(`\\(${DS}\\), T_obs = ${T}, T_rec = ${TR}, N_in/N_rec = ${N}/${NR} \\(${DS}\\)`));
  const hps = JSON.parse(fs.readFileSync(path.join(save, "hyperparameters-0.txt"), "utf8")) as Record<string, unknown>;
  assert.equal(hps.num_steps, T);
  assert.deepEqual(hps.dataset_dims, { [DS]: N });
  assert.equal(hps.recon_seq_len, TR);
  assert.deepEqual(hps.dataset_recon_dims, { [DS]: NR });

  await ok(["--kind=posterior_push_mean", ...FLAGS()]);
  for (const [split, E] of [["train", E_TRAIN], ["valid", E_VALID], ["test", E_TEST]] as const) {
    const r = await readModelRuns(path.join(save, `model_runs_${DS}_${split}_posterior_push_mean`));
    assert.deepEqual(r.output_dist_params?.shape, [E, TR, NR], `${split}: rates`);
    assert.deepEqual(r.factors?.shape, [E, TR, 3], `${split}: factors`);
    assert.deepEqual(r.controller_outputs?.shape, [E, TR, 1], `${split}: controller outputs`);
    assert.ok(r.output_dist_params!.data.every((x) => x > 0 && Number.isFinite(x)), `${split}: rates positive and finite`);
    assert.ok(r.costs!.data.every(Number.isFinite), `${split}: costs finite`);
  }

  await ok(["--kind=prior_sample", ...FLAGS(), "--batch_size=3"]);
  const prior = await readModelRuns(path.join(save, "model_runs_prior_sample"));
  assert.deepEqual(prior.output_dist_params?.shape, [3, TR, NR]);
  assert.deepEqual(prior.prior_zs_ar_con?.shape, [3, TR, 1]);
});
