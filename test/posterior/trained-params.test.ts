import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { array3d } from "../../src/core/array3d.js";
import { LayoutError } from "../../src/core/errors.js";
import { loadModelTrainedParams } from "../../src/posterior/trained-params.js";
import { h5pyUnavailable, python, tempDir } from "./h5py.js";

const skip = h5pyUnavailable();

/**
 * `model_params` as TF LFADS's write_model_params writes it (lfads-model.md §4.5): float32 variables named
 * `<tf name with / → _>:0`, Adam slots, learning_rate and global_step included, no compression.
 * Two datasets (3 and 2 neurons), F = 2, G = 3, co_dim = 0, identity-free read-in.
 */
const FIXTURE = String.raw`
with h5py.File(D + '/model_params', 'w') as f:
    def put(k, v): f.create_dataset(k + ':0', data=np.asarray(v, dtype='f4'))
    put('LFADS_glm_fac_2_logrates_dataset001.h5_W', [[1, 2, 3], [4, 5, 6]])
    put('LFADS_glm_fac_2_logrates_dataset001.h5_b', [[0.1, 0.2, 0.3]])
    put('LFADS_glm_fac_2_logrates_dataset002.h5_W', [[7, 8], [9, 10]])
    put('LFADS_glm_fac_2_logrates_dataset002.h5_b', [[0.4, 0.5]])
    put('LFADS_glm_fac_2_logrates_dataset001.h5_W_Adam', np.zeros((2, 3)))
    put('LFADS_glm_fac_2_logrates_dataset001.h5_W_Adam_1', np.zeros((2, 3)))
    put('LFADS_x_2_infac_dataset001.h5_W', np.ones((3, 2)))
    put('LFADS_x_2_infac_dataset001.h5_b', np.zeros((1, 2)))
    put('LFADS_x_2_infac_dataset002.h5_W', np.ones((2, 2)))
    put('LFADS_x_2_infac_dataset002.h5_b', np.zeros((1, 2)))
    put('LFADS_gen_gen_2_fac_W', [[3, 0], [4, 0], [0, 2]])
    put('LFADS_gen_GenGRU_Gates_h_2_ru_W', np.ones((3, 6)))
    put('LFADS_gen_GenGRU_Gates_h_2_ru_b', np.zeros((1, 6)))
    put('LFADS_gen_GenGRU_Candidate_rh_2_c_W', np.ones((3, 3)))
    put('LFADS_gen_GenGRU_Candidate_rh_2_c_b', np.zeros((1, 3)))
    put('LFADS_ic_enc_fwd_ic_enc_t0_fwd', np.zeros((1, 4)))
    put('LFADS_ic_enc_fwd_GRU_Gates_xh_2_ru_W', np.ones((6, 8)))
    put('LFADS_z_prior_g0_mean', np.zeros((1, 3)))
    put('LFADS_z_ic_enc_2_post_g0_mean_W', np.ones((8, 3)))
    put('LFADS_mystery', [1.0])
    f.create_dataset('LFADS_learning_rate:0', data=np.float32(0.01))
    f.create_dataset('LFADS_global_step:0', data=np.int64(1234))
`;

describe("ModelTrainedParams", { skip }, () => {
  let dir = "";
  let cleanup = () => {};
  before(() => {
    ({ dir, cleanup } = tempDir("params"));
    python(FIXTURE, dir);
  });
  after(() => cleanup());

  test("named matrices in TF orientation, per dataset, with the concatenated read-out", async () => {
    const p = await loadModelTrainedParams({ outputDir: dir, datasetNames: ["dataset001", "dataset002"] });
    assert.equal(p.numDatasets, 2);
    assert.deepEqual(p.factorsToLogratesW!.map((w) => w.shape), [[2, 3], [2, 2]]);
    assert.ok(p.factorsToLogratesW![0]!.data instanceof Float32Array);
    assert.deepEqual(p.xToInfacW!.map((w) => w.shape), [[3, 2], [2, 2]]);
    assert.deepEqual(p.numChannelsByDataset, [3, 2]);
    assert.equal(p.numChannelsAllDatasets, 5);
    assert.deepEqual([...p.datasetIdxConcatenated], [0, 0, 0, 1, 1]);
    const W = p.factorsToLogratesWConcatenated;
    assert.deepEqual(W.shape, [2, 5]);
    assert.deepEqual([...W.data], [1, 2, 3, 7, 8, 4, 5, 6, 9, 10]);
    assert.deepEqual([...p.factorsToLogratesBConcatenated.data].map((v) => +v.toFixed(6)), [0.1, 0.2, 0.3, 0.4, 0.5]);
    assert.deepEqual(p.generator.hToRuW!.shape, [3, 6]);
    assert.deepEqual(p.generator.rhToCB!.shape, [1, 3]);
    assert.equal(p.generator.xToRuW, undefined);
    assert.deepEqual(p.icEncoderFwd.t0!.shape, [1, 4]);
    assert.deepEqual(p.icEncoderFwd.xhToRuW!.shape, [6, 8]);
    assert.deepEqual(p.icEncToPostG0MeanW!.shape, [8, 3]);
    assert.equal(p.controllerC0, undefined);
    assert.deepEqual(p.controller, {});
    assert.deepEqual(p.unreadKeys, ["LFADS_mystery"]);
    assert.ok(p.keys.includes("LFADS_global_step"));
    assert.equal(p.raw("LFADS_learning_rate:0")!.data[0], Math.fround(0.01));
    // Columns of gen_2_fac are unit-norm after normalisation: [3, 4, 0]/5 and [0, 0, 1].
    assert.deepEqual([...p.genToFactorsWNormalized().data].map((v) => +v.toFixed(12)), [0.6, 0, 0.8, 0, 0, 1]);
    // factors · W + b for one trial, one bin, factors [1, -1].
    const f = array3d(Float32Array.of(1, -1), [1, 1, 2]);
    const lr = p.logratesFromFactors(f, 1);
    assert.deepEqual([...lr.data].map((v) => +v.toFixed(5)), [7 - 9 + 0.4, 8 - 10 + 0.5]);
    assert.deepEqual(p.logratesFromFactors(f, "all").shape, [1, 1, 5]);
  });

  test("a dataset missing from the file leaves the per-dataset fields undefined; errors name the file", async () => {
    const p = await loadModelTrainedParams({ file: path.join(dir, "model_params"), datasetNames: ["dataset001", "dataset003"] });
    assert.equal(p.factorsToLogratesW, undefined);
    assert.throws(() => p.numChannelsByDataset, /no read-out .* for every dataset of \[dataset001, dataset003\]/);
    await assert.rejects(loadModelTrainedParams({ outputDir: path.join(dir, "nope"), datasetNames: ["dataset001"] }), (e: Error) =>
      e instanceof LayoutError && e.message.includes(path.join(dir, "nope", "model_params")) && /--kind=write_model_params/.test(e.message));
  });
});
