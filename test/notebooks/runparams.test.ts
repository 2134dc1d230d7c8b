// Runs the small fixture notebooks in the real tslab kernel through nbclient (about 5 s each), each
// copied to a temporary folder outside the repository (the harness's rule for every notebook test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, streamText } from "./harness.js";

const skip = notebookSkipReason();

test("RunParams notebook: hashes printed, HTML table displayed, progress updated in place", { skip }, async () => {
  // Installed as `lfads kernel install --user` would (the other notebook tests use --prefix).
  const r = await executeNotebook(join(__dirname, "fixtures", "runparams.ipynb"), { cellTimeoutS: 60, totalTimeoutS: 180, install: "user" });
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

test("outside the repository: both entries import with their types; a missing module names itself and the fix", { skip }, async () => {
  const r = await executeNotebook(join(__dirname, "fixtures", "outside.ipynb"), { cellTimeoutS: 120, totalTimeoutS: 240 });
  // Cell 1 ran: the values printed, and its @ts-expect-error was used (the types are the package's, not any).
  assert.equal(streamText(r.notebook, { cell: 1 }), "data_4MaTKO function 1x1x2\n", describeFailure(r));
  assert.deepEqual(kernelErrors(r.notebook, { cell: 1 }), []);
  // Cell 2 failed on its imports, each followed by a line naming the module and the fix.
  assert.equal(r.ok, false);
  assert.equal(r.failedCell, 2);
  const errs = kernelErrors(r.notebook, { cell: 2 }).join("");
  assert.match(errs, /1:25 - Cannot find module 'lfads-ts\/nope' or its corresponding type declarations\.\nlfads-ts kernel: lfads-ts has no module 'lfads-ts\/nope'; import from 'lfads-ts' or 'lfads-ts\/tf'\n/);
  assert.match(errs, /Cannot find module 'no-such-package-xyz\/sub'.*\nlfads-ts kernel: 'no-such-package-xyz' is not installed where this notebook can see it; run 'npm install no-such-package-xyz' in \//);
  // The client's error is not tslab's empty "<Error>:" but the first message.
  assert.doesNotMatch(r.error ?? "", /<Error>:/);
  assert.match(r.error ?? "", /TSError: 1:25 - Cannot find module 'lfads-ts\/nope'/);
  assert.deepEqual(r.notebook.cells[3]!.outputs, []);
});
