// Runs notebooks/01_single_session.ipynb in the real tslab kernel through nbclient. It generates small
// Lorenz datasets, prepares the docs' sweep and displays the collection. The notebook writes
// ./lorenz_example in the kernel's working directory: a temporary folder outside the repository, where
// "lfads-ts" resolves only through the installed kernel (as in a user's own analysis folder). The executed
// notebook stays small (plotly.js in one output only), and its nbconvert HTML draws every figure in Chromium.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { chromiumPath, closeExporter, countDrawnPlots } from "../../src/display/export/index.js";
import { PLOTLY_JS_START } from "../../src/display/plots/plotly-js.js";
import {
  describeFailure, displayData, executeNotebook, kernelErrors, nbconvertHtml, type Notebook, notebookSkipReason, scratchDir, storedNotebookProblems, streamText,
} from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "01_single_session.ipynb");
const skip = notebookSkipReason() ?? (chromiumPath() ? undefined : "no Chromium found (apt-get install chromium)");
after(() => closeExporter());
if (skip) console.log(`# single-session notebook test skipped: ${skip}`);

/** The docs' c_factors_dim sweep: seed 001 (quick example) and its hashes. */
const DOC_HASHES = ["param_Z1-4Ne data_cq1HAe", "param_UEvXAB data_QcdNGf", "param_m8Dk5i data_y3K_k3", "param_YOs74u data_4MaTKO"];

function allText(nb: Notebook): string {
  return streamText(nb) + (displayData(nb, "text/plain") as string[]).join("\n");
}

test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("01_single_session notebook: datasets, params table, the docs' hashes, prepared tree, training, posterior, R²", { skip, timeout: 1_200_000 }, async () => {
  const cwd = scratchDir("nb-single-session-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 900, totalTimeoutS: 1_150 });
    console.log(`# notebook ran in ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");

    const nb = r.notebook;
    const html = displayData(nb, "text/html") as string[];
    // Dataset collection: the info table of dataset001 (20 conditions × 10–12 trials).
    const dcHtml = html.filter((h) => h.includes('class="lfads-dataset-collection"'));
    assert.equal(dcHtml.length, 2, "dc shown before and after loadInfo");
    assert.match(dcHtml[0]!, /no info loaded yet/);
    assert.match(dcHtml[1]!, /dataset001<\/td><td[^>]*>lorenz_example<\/td><td[^>]*>\d{4}-\d{2}-\d{2}<\/td><td[^>]*><\/td><td[^>]*>2[0-4]\d<\/td><td[^>]*>(2[5-9]|3[0-5])<\/td>/);

    // RunParams: the grouped parameter table for the docs' values.
    const par = html.find((h) => h.includes('class="lfads-runparams"'));
    assert.ok(par, "RunParams HTML displayed");
    assert.match(par, /param_YOs74u/);
    assert.match(par, /data_4MaTKO/);
    for (const group of ["Optimization", "Generator network, factors, rates", "Controller and inferred inputs"]) assert.ok(par.includes(`>${group}</th>`), group);

    // The four documented hashes, printed for the docs' sweep.
    const text = allText(nb);
    for (const h of DOC_HASHES) assert.ok(text.includes(h), `documented hashes ${h} printed`);
    assert.match(streamText(nb), /^param_YOs74u data_4MaTKO$/m);

    // RunCollection: params table, run spec, grid before (not prepared) and after prepare (prepared).
    const rcHtml = html.filter((h) => h.includes('class="lfads-run-collection"'));
    assert.equal(rcHtml.length, 2);
    assert.match(rcHtml[0]!, /4 runs total \(4 params × 1 run spec\)/);
    for (const d of ["data_cq1HAe", "data_QcdNGf", "data_y3K_k3", "data_4MaTKO"]) assert.ok(rcHtml[0]!.includes(`>${d}</td>`), d);
    assert.match(rcHtml[0]!, />single_dataset001</);
    assert.match(rcHtml[0]!, /Runs <span[^>]*>4 not prepared</);
    assert.match(rcHtml[1]!, /Runs <span[^>]*>4 prepared</);
    assert.ok(html.some((h) => h.includes('class="lfads-run-spec"')), "RunSpec displayed");

    // The prepared tree on disk, and summary.txt as printed.
    const rcPath = path.join(cwd, "lorenz_example", "runs", "exampleSingleSession");
    const summary = fs.readFileSync(path.join(rcPath, "summary.txt"), "utf8");
    assert.match(summary, /^LFADS\.RunCollection "exampleSingleSession" \(4 runs total\)\n/);
    assert.ok(streamText(nb).includes(summary.trimEnd()), "rc.summary() printed");
    const params = fs.readdirSync(rcPath).filter((f) => f.startsWith("param_"));
    assert.equal(params.length, 4);
    for (const p of params) {
      for (const f of ["lfads_dataset001.h5", "inputInfo_dataset001.h5"]) {
        const link = path.join(rcPath, p, "single_dataset001", "lfadsInput", f);
        assert.ok(fs.lstatSync(link).isSymbolicLink(), link);
        assert.ok(fs.statSync(link).size > 0, `${link} resolves`);
      }
    }
    for (const d of ["data_cq1HAe", "data_QcdNGf", "data_y3K_k3", "data_4MaTKO"]) assert.ok(fs.existsSync(path.join(rcPath, d, "single_dataset001", "lfads_dataset001.h5")), d);
    assert.match(streamText(nb), /├── data_4MaTKO\n│ {3}└── single_dataset001\n│ {7}├── inputInfo_dataset001\.h5\n/);

    // Training: the live display (one output, updated in place) ends at the step budget.
    assert.ok(html.some((h) => /<progress max="100" value="100\.0"/.test(h) && /2000 \/ 2000/.test(h)), "training display at 2000/2000 steps");
    assert.match(streamText(nb), /^2000 steps, [\d.]+ s\/step on wasm$/m);
    // Posterior figures (plotly bundles) and the score against the true rates (the model issue's bar: 0.75).
    assert.ok(displayData(nb, "application/vnd.plotly.v1+json").length >= 3, "rates, trajectories and training-curve figures");
    const r2 = Number(/^valid R² = ([\d.]+),/m.exec(streamText(nb))?.[1]);
    assert.ok(r2 >= 0.75, `valid R² ${r2} ≥ 0.75`);
    console.log(`# notebook 01: valid R² ${r2}`);

    // plotly.js (4.8 MB) reaches the notebook once: in the first figure's output only.
    const carriers = html.filter((h) => h.includes(PLOTLY_JS_START));
    assert.equal(carriers.length, 1, "one output carries plotly.js");
    assert.ok(html.findIndex((h) => h.includes('class="lfads-plot"')) === html.indexOf(carriers[0]!), "the first figure carries it");
    console.log(`# notebook 01 executed: ${(r.bytes / 1e6).toFixed(2)} MB`);
    assert.ok(r.bytes <= 6_000_000, `executed notebook is ${r.bytes} bytes (≤ 6 MB)`);
    // nbconvert's HTML export, opened offline in Chromium: every figure drew.
    const drawn = await countDrawnPlots(nbconvertHtml(nb, cwd, "01_single_session"));
    assert.ok(drawn.plots >= 3, `${drawn.plots} plot divs in the HTML export`);
    assert.deepEqual(drawn, { plots: drawn.plots, drawn: drawn.plots }, "every plot div drew");
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
