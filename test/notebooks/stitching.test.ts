// Runs notebooks/02_stitching.ipynb in the real tslab kernel through nbclient: three small Lorenz
// datasets, the docs' stitching params (param_Qr2PeG data_RE1kuL), the "all" RunSpec beside the
// single-session ones, prepare, the alignment reconstruction plot, a short training of the stitched
// run and of single_dataset001, posterior sampling, per-dataset rate plots and R² per dataset. The
// kernel's working directory is a temporary folder outside the repository, where "lfads-ts" resolves
// only through the installed kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, scratchDir, storedNotebookProblems, streamText } from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "02_stitching.ipynb");
const skip = notebookSkipReason();
if (skip) console.log(`# stitching notebook test skipped: ${skip}`);

interface PlotlyJson {
  data: { name?: string; xaxis?: string }[];
  layout: Record<string, unknown>;
}

test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("02_stitching notebook: docs' hashes, alignment plot, short stitched training, posterior rates and R² per dataset", { skip, timeout: 480_000 }, async () => {
  const cwd = scratchDir("nb-stitching-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 240, totalTimeoutS: 460 });
    console.log(`# notebook ran in ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");
    const nb = r.notebook;
    const out = streamText(nb);

    // The docs' hashes, and the small-batch variant that keeps the docs' data hash.
    assert.match(out, /^param_Qr2PeG data_RE1kuL$/m);
    assert.match(out, /^smallest dataset: 2\d\d trials, so c_batch_size <= (4\d|3\d)$/m);
    assert.match(out, /^param_\S{6} data_RE1kuL$/m);
    const html = displayData(nb, "text/html") as string[];
    const par = html.find((h) => h.includes('class="lfads-runparams"'));
    assert.ok(par && par.includes("param_Qr2PeG") && par.includes("useAlignmentMatrix"), "RunParams HTML with the docs' hash");

    // The collection: 1 params × 4 specs before training, 2 × 4 at the end; the stitched spec has 3 datasets.
    const rcHtml = html.filter((h) => h.includes('class="lfads-run-collection"'));
    assert.ok(rcHtml.length >= 2);
    assert.match(rcHtml[0]!, /4 runs total \(1 params × 4 run specs\)/);
    assert.match(rcHtml[rcHtml.length - 1]!, /8 runs total \(2 params × 4 run specs\)/);
    for (const spec of ["all", "single_dataset001", "single_dataset002", "single_dataset003"]) assert.ok(rcHtml[0]!.includes(`>${spec}<`), spec);

    // Alignment matrices in the prepared input files of "all" (and printed shapes).
    const rcPath = path.join(cwd, "lorenz_example", "runs", "exampleStitching");
    for (const k of [1, 2, 3]) assert.ok(fs.existsSync(path.join(rcPath, "data_RE1kuL", "all", `lfads_dataset00${k}.h5`)), `data_RE1kuL/all/lfads_dataset00${k}.h5`);
    assert.equal((out.match(/^dataset00[123]: alignment matrix \[(2\d|3[0-5]), 8\]$/gm) ?? []).length, 3);

    // Plotly outputs: the alignment reconstruction (3 factors × 3 conditions × (global + 3 datasets)) and one rates figure per dataset.
    const plots = displayData(nb, "application/vnd.plotly.v1+json") as PlotlyJson[];
    const align = plots.find((p) => p.data.some((t) => t.name === "Global"));
    assert.ok(align, "alignment reconstruction plot");
    assert.equal(align.data.length, 36);
    assert.deepEqual([...new Set(align.data.map((t) => t.name))], ["Global", "dataset001", "dataset002", "dataset003"]);
    const rateTitles = plots.map((p) => JSON.stringify(p.layout["title"] ?? "")).filter((t) => /stitched model/.test(t));
    assert.equal(rateTitles.length, 3, "one single-trial rates figure per dataset");

    // Training, posterior and R² per dataset.
    const hashes = [...out.matchAll(/^(param_\S{6}) (data_\S{6})$/gm)].map((m) => m[1]!);
    assert.equal(hashes.length, 3, "docs' params, small-batch params, quick params");
    for (const k of [1, 2, 3]) {
      const f = path.join(rcPath, hashes[2]!, "all", "lfadsOutput", `model_runs_dataset00${k}.h5_valid_posterior_sample_and_average`);
      assert.ok(fs.existsSync(f), f);
    }
    const r2 = [...out.matchAll(/^R² stitched (dataset00[123]): (-?[\d.]+)$/gm)].map((m) => ({ ds: m[1]!, r2: Number(m[2]) }));
    const single = /^R² single-session dataset001: (-?[\d.]+)$/m.exec(out);
    assert.equal(r2.length, 3);
    assert.ok(single);
    console.log(`# notebook R²: stitched ${r2.map((x) => `${x.ds} ${x.r2.toFixed(3)}`).join(", ")}; single-session dataset001 ${Number(single[1]).toFixed(3)}`);
    for (const x of r2) assert.ok(x.r2 > 0.2, `${x.ds}: stitched R² ${x.r2} after the short training`);
    assert.ok(r2[0]!.r2 >= Number(single[1]), "stitched ≥ single-session on dataset001 at the same number of steps");
    assert.ok(html.some((h) => h.includes("R² stitched")), "R² table displayed");
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
