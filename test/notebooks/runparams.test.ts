// Runs fixtures/runparams.ipynb in the real tslab kernel through nbclient (about 5 s).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, streamText } from "./harness.js";

const skip = notebookSkipReason();

test("RunParams notebook: hashes printed, HTML table displayed, progress updated in place", { skip }, async () => {
  const r = await executeNotebook(join(__dirname, "fixtures", "runparams.ipynb"), { cellTimeoutS: 60, totalTimeoutS: 180 });
  assert.ok(r.ok, describeFailure(r));
  assert.deepEqual(kernelErrors(r.notebook), []);

  assert.equal(streamText(r.notebook, { cell: 1 }).trim(), "param_YOs74u data_4MaTKO");

  // `par` as the last expression: one multi-MIME display_data, then the short text on stdout.
  const html = displayData(r.notebook, "text/html", { cell: 2 });
  assert.equal(html.length, 1);
  const h = html[0] as string;
  assert.match(h, /param_YOs74u/);
  assert.match(h, /data_4MaTKO/);
  assert.match(h, /c_factors_dim/);
  assert.match(h, /Generator network, factors, rates/);
  const text = displayData(r.notebook, "text/plain", { cell: 2 })[0] as string;
  assert.match(text, /^RunParams param_YOs74u data_4MaTKO "first_attempt"\n/);
  assert.equal(streamText(r.notebook, { cell: 2 }).trim(), 'RunParams param_YOs74u data_4MaTKO "first_attempt"');

  // Updates replace the display: the saved notebook holds one entry with the final state.
  const bars = displayData(r.notebook, "text/plain", { cell: 3 }) as string[];
  assert.equal(bars.length, 1);
  assert.match(bars[0]!, /^epochs \[#{20}\] 3\/3 100% cost=0\.3333 .* done$/);
  assert.match(displayData(r.notebook, "text/html", { cell: 3 })[0] as string, /<progress value="1"/);
});

test("harness: a failing cell is reported with tslab's stderr, and later cells do not run", { skip }, async () => {
  const r = await executeNotebook(join(__dirname, "fixtures", "failing.ipynb"), { cellTimeoutS: 60, totalTimeoutS: 180 });
  assert.equal(r.ok, false);
  assert.equal(r.failedCell, 2);
  assert.equal(streamText(r.notebook, { cell: 1 }), "first cell ran\n");
  assert.match(kernelErrors(r.notebook, { cell: 2 }).join(""), /Type 'string' is not assignable to type 'number'/);
  assert.deepEqual(r.notebook.cells[3]!.outputs, []);
  assert.match(describeFailure(r), /notebook failed at cell 2:\nconst n: number = "not a number";/);
});
