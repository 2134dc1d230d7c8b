// Runs notebooks/05_autolfads.ipynb in the real tslab kernel through nbclient: a small Lorenz collection with a
// poor starting point, PBT with 4 members for 4 generations on the local pool, the live member table, the figure
// of fitness and hyperparameters across generations, the best member's R² and the HTML report. The notebook
// writes ./autolfads_example in the kernel's working directory: a temporary folder outside the repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, scratchDir, storedNotebookProblems, streamText } from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "05_autolfads.ipynb");
const skip = notebookSkipReason();
if (skip) console.log(`# AutoLFADS notebook test skipped: ${skip}`);

test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("05_autolfads notebook: PBT from a poor start, live table, trajectories figure, best member scored, report", { skip, timeout: 900_000 }, async () => {
  const cwd = scratchDir("nb-autolfads-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 600, totalTimeoutS: 800 });
    console.log(`# notebook ran in ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");
    const html = (displayData(r.notebook, "text/html") as string[]).join("\n");
    assert.match(html, /class="lfads-pbt"/, "the live member table");
    assert.match(html, /member_03/);
    const plotly = displayData(r.notebook, "application/vnd.plotly.v1+json") as { data: { name?: string }[] }[];
    assert.equal(plotly.length, 1, "the PBT figure");
    assert.ok(plotly[0]!.data.some((t) => t.name === "best"));
    const text = streamText(r.notebook);
    const m = /dataset001: valid R² of the best member against the true rates: (-?\d+\.\d+)/.exec(text);
    assert.ok(m, `R² printed:\n${text.slice(-3000)}`);
    console.log(`notebook: best member valid R² ${m[1]}`);
    const root = path.join(cwd, "autolfads_example");
    const ledger = JSON.parse(fs.readFileSync(path.join(root, "runs", "autolfads", "pbt", "ledger.json"), "utf8")) as { generations: { evaluated: boolean }[] };
    assert.equal(ledger.generations.length, 4);
    assert.ok(ledger.generations.every((g) => g.evaluated));
    assert.match(fs.readFileSync(path.join(root, "pbt_report.html"), "utf8"), /Population-based training/);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
