// Runs notebooks/04_tf_lfads_examples.ipynb in the real tslab kernel through nbclient: the TF README's
// chaotic_rnn_inputs_g2p5 example (synthetic data, training at a small budget, posterior sampling, inferred
// inputs against the true pulses, rates against the truth). The notebook writes ./tf_examples in the
// kernel's working directory: a temporary folder outside the repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, scratchDir, storedNotebookProblems, streamText } from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "04_tf_lfads_examples.ipynb");
const skip = notebookSkipReason();
if (skip) console.log(`# TF examples notebook test skipped: ${skip}`);


test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("04_tf_lfads_examples notebook: trains, samples the posterior, plots inputs and rates, prints R²", { skip, timeout: 1_500_000 }, async () => {
  const cwd = scratchDir("nb-tf-examples-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 900, totalTimeoutS: 1400 });
    console.log(`# notebook ran in ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");

    const nb = r.notebook;
    const plotly = displayData(nb, "application/vnd.plotly.v1+json") as { data: unknown[] }[];
    assert.equal(plotly.length, 4, "training curves, rates, inferred inputs, pulse-aligned input");
    for (const p of plotly) assert.ok(Array.isArray(p.data) && p.data.length > 0);

    const text = streamText(nb);
    assert.match(text, /epoch 0 step 16 \|/, "training progress");
    const m = /R² of the inferred rates against the true rates: (-?\d\.\d+) \(80 validation trials × 100 bins × 50 neurons\)/.exec(text);
    assert.ok(m, `R² printed:\n${text.slice(-3000)}`);
    const r2 = Number(m[1]);
    const near = /inferred-input peak within ±5 bins of the true pulse on (\d+) of 80 validation trials/.exec(text);
    assert.ok(near, "pulse detection printed");
    console.log(`notebook: R² ${r2}, inferred-input peak near the pulse on ${near[1]}/80 valid trials`);
    assert.ok(r2 > 0.3, `R² ${r2}`);
    assert.match(text, /prior samples: rates \[50, 100, 50\], AR\(1\) inputs \[50, 100, 1\]/);

    const save = path.join(cwd, "tf_examples", "lfads_chaotic_rnn_inputs_g2p5");
    for (const f of ["checkpoint_lve", "fitlog.csv", "model_params", "model_runs_prior_sample", "model_runs_dataset_N50_S50_valid_posterior_sample_and_average", "model_runs_dataset_N50_S50_train_posterior_push_mean"]) {
      assert.ok(fs.existsSync(path.join(save, f)), f);
    }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
