// Runs notebooks/03_paper_figures.ipynb in the real tslab kernel through nbclient: load (or train a small)
// finished run and export a multi-panel figure as SVG, PNG and PDF through headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { chromiumPath } from "../../src/display/export/index.js";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, scratchDir, storedNotebookProblems, streamText } from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "03_paper_figures.ipynb");
const skip = notebookSkipReason() ?? (chromiumPath() ? undefined : "no Chromium found (apt-get install chromium)");
if (skip) console.log(`# paper figures notebook test skipped: ${skip}`);

test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("03_paper_figures notebook: a multi-panel figure exported as SVG, PNG and PDF", { skip, timeout: 900_000 }, async () => {
  const cwd = scratchDir("nb-paper-figures-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 600, totalTimeoutS: 850 });
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");
    const dir = path.join(cwd, "paper_figures");
    // PNG: IHDR holds width × height = (2 cols × 480 + gap) × 2 scale, (2 rows × 340 + gap) × 2.
    const png = fs.readFileSync(path.join(dir, "figure1.png"));
    assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(w >= 2 * 2 * 480 && w <= 2 * (2 * 480 + 60), `PNG width ${w}`);
    assert.ok(h >= 2 * 2 * 340 && h <= 2 * (2 * 340 + 120), `PNG height ${h}`);
    const pdf = fs.readFileSync(path.join(dir, "figure1.pdf"));
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    const svg = fs.readFileSync(path.join(dir, "figure1.svg"), "utf8");
    assert.ok((svg.match(/<svg/g) ?? []).length >= 5, "an outer SVG holding the four panels");
    for (const ext of ["svg", "png", "pdf"]) assert.match(streamText(r.notebook), new RegExp(`figure1\\.${ext}: \\d+ bytes`));
    assert.ok(displayData(r.notebook, "application/vnd.plotly.v1+json").length >= 1, "an inline figure");
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
