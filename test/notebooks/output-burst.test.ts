// A notebook whose cells send far more than 512 iopub messages back to back (1200 console.log lines,
// 1200 progress updates), run in the real kernel through nbclient (about 5 s). Without the kernel's
// send queue (src/jupyter/send-queue.ts) tslab's zeromq throws EBUSY from the 514th message on: the
// lines past ~505 are lost silently and the progress cell fails with "Socket is busy writing".
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describeFailure, displayData, executeNotebook, kernelErrors, notebookSkipReason, outputs, streamText } from "./harness.js";

const skip = notebookSkipReason();
const N = 1200;

test("bursts of output: every line and the last progress update arrive, in order, and the kernel goes on", { skip }, async () => {
  const r = await executeNotebook(join(__dirname, "fixtures", "output-burst.ipynb"), { cellTimeoutS: 60, totalTimeoutS: 180 });
  assert.ok(r.ok, describeFailure(r));
  assert.deepEqual(kernelErrors(r.notebook), []);
  // The kernel started with its send queue (it prints a note to its own stderr when it cannot install it).
  assert.doesNotMatch(r.clientStderr, /lfads-ts kernel: .*zeromq/);

  const lines = streamText(r.notebook, { cell: 1 }).split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, N, `cell 1 printed ${N} lines; ${lines.length} arrived`);
  lines.forEach((l, i) => assert.equal(l, `line ${i}`));

  // One display, updated in place by every update_display_data: it shows the final state.
  assert.equal(outputs(r.notebook, 2).length, 1);
  const [text] = displayData(r.notebook, "text/plain", { cell: 2 }) as string[];
  assert.match(text ?? "", new RegExp(`^burst \\[#{20}\\] ${N}/${N} 100% .* done$`));

  assert.equal(streamText(r.notebook, { cell: 3 }), "after the bursts\n");
});
