// Runs notebooks/06_nwb_nlb.ipynb in the real tslab kernel through nbclient: the NLB-like NWB fixture read and binned
// at 5 ms, the smoothing baseline, a short LFADS run that reads the held-in neurons and reconstructs held-out neurons
// and forward bins, the NLB table for both, the NLB files and the held-out-neuron figure. The notebook writes ./nwb_nlb in the kernel's working directory: a temporary folder outside the repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, scratchDir, storedNotebookProblems, streamText } from "./harness.js";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "06_nwb_nlb.ipynb");
const skip = notebookSkipReason();
if (skip) console.log(`# NWB/NLB notebook test skipped: ${skip}`);

test("the stored notebook has no outputs, uses the lfads-ts kernel and only the public API", () => {
  assert.deepEqual(storedNotebookProblems(NOTEBOOK), []);
});

test("06_nwb_nlb notebook: NWB → trials → smoothing baseline and LFADS → NLB table, files and figure", { skip, timeout: 900_000 }, async () => {
  const cwd = scratchDir("nb-nwb-nlb-");
  try {
    const r = await executeNotebook(NOTEBOOK, { cwd, cellTimeoutS: 600, totalTimeoutS: 840 });
    console.log(`# notebook ran in ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, describeFailure(r));
    assert.deepEqual(kernelErrors(r.notebook), [], "no stderr output (errors and warnings)");
    const text = streamText(r.notebook);
    assert.match(text, /100 trials \(75 train, 25 val\), 140 bins of 5 ms \+ 40 forward, 107 held-in and 35 held-out units, 8 conditions, behaviour hand_vel \(x, y\)/);
    assert.match(text, /NwbDataset: 100 trials × 107 channels × 140 bins of 5 ms; reconstructed: 142 channels × 180 bins/);
    const num = "(-?\\d+\\.\\d{3})";
    const row = (name: string, fp: string): number[] => {
      const m = new RegExp(`^${name.replace(/[+]/g, "\\+")} +${num} +${num} +${num} +${fp}$`, "m").exec(text);
      assert.ok(m, `${name} row in:\n${text.slice(-2000)}`);
      return m.slice(1).map(Number);
    };
    const base = row("smoothing + GLM", "—");
    const lfads = row("LFADS", num);
    console.log(`notebook: smoothing co-bps ${base[0]} vel R² ${base[1]} psth R² ${base[2]}; LFADS ${lfads[0]} / ${lfads[1]} / ${lfads[2]} / fp-bps ${lfads[3]}`);
    assert.ok(base[0]! > 0 && lfads[0]! > 0, "both predict held-out neurons better than their mean rates");
    assert.ok(lfads[0]! > base[0]!, "LFADS's own read-out of the held-out neurons beats the smoothing baseline on this fixture");
    assert.ok(lfads[1]! > base[1]!, "velocity decodes better from LFADS rates than from smoothed spikes on this fixture");
    assert.ok(Number.isFinite(lfads[3]!) && lfads[3]! < 0.05, "fp-bps is scored, and below what the fixture's forward bins allow (its true rates score about 0.01)");
    const plotly = displayData(r.notebook, "application/vnd.plotly.v1+json") as { data: unknown[] }[];
    assert.equal(plotly.length, 1, "the held-out neurons figure");
    assert.equal(plotly[0]!.data.length, 9, "three neurons × LFADS, smoothing, target PSTH");
    for (const f of ["eval_target.h5", "submission_lfads.h5", "lfads_run/checkpoint_lve"]) assert.ok(fs.existsSync(path.join(cwd, "nwb_nlb", f)), f);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
