// The sweep summary as a terminal line and an HTML table, and the training progress read from lfadsOutput.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTextOutput, useTslab } from "../../src/display/bridge.js";
import { formatDuration, progressHtml, progressLine, sweepDisplay, type SweepProgress } from "../../src/queue/progress.js";
import { describeProgress, trainProgress } from "../../src/queue/run-files.js";
import { tmpDir } from "./fixture.js";

const base: SweepProgress = {
  rcDir: "/r/example",
  total: 8,
  done: 2,
  running: 2,
  failed: 1,
  queued: 2,
  skipped: 1,
  busy: 0,
  interrupted: 0,
  workers: 2,
  threadsPerWorker: 4,
  elapsedMs: 65_000,
  etaMs: 130_000,
  finished: false,
  runs: [
    { id: "param_a/x", dir: "/r/example/param_a/x", state: "running", stage: "train", startedAt: 1_000, progress: "epoch 3, step 120" },
    { id: "param_b/x", dir: "/r/example/param_b/x", state: "failed", message: "train: lfads train exited with code 1: <boom>" },
  ],
};

test("progress line and HTML table", () => {
  assert.equal(formatDuration(7_400), "7s");
  assert.equal(formatDuration(185_000), "3m05s");
  assert.equal(formatDuration(3_720_000), "1h02m");
  assert.equal(progressLine(base), "sweep: 3/8 done, 2 running, 1 failed, 2 queued (1 already done) · 1m05s · ETA 2m10s");
  assert.equal(progressLine({ ...base, etaMs: undefined, busy: 1, skipped: 0 }), "sweep: 2/8 done, 2 running, 1 failed, 2 queued, 1 running elsewhere · 1m05s");
  assert.equal(progressLine({ ...base, finished: true }), "sweep: 3/8 done, 2 running, 1 failed, 2 queued (1 already done) · 1m05s");
  const html = progressHtml(base, 61_000);
  assert.ok(html.includes(`<progress value="0.375" max="1"`), html);
  assert.ok(html.includes("<td style=\"text-align:left\">train · epoch 3, step 120 · 1m00s</td>"), html);
  assert.ok(html.includes("exited with code 1: &lt;boom&gt;"), "escaped");
  assert.ok(html.includes("2 workers × 4 threads"));
});

test("trainProgress: the fit log's last epoch, else the newest checkpoint step", () => {
  const dir = tmpDir("lfads-queue-progress-");
  assert.equal(trainProgress(dir), undefined);
  const out = path.join(dir, "lfadsOutput");
  fs.mkdirSync(out);
  assert.deepEqual(trainProgress(dir), undefined, "empty output folder");
  fs.writeFileSync(path.join(out, "lfads_vae.ckpt-40.h5"), "");
  fs.writeFileSync(path.join(out, "lfads_vae.ckpt-120.h5"), "");
  assert.deepEqual(trainProgress(dir), { step: 120 });
  fs.writeFileSync(
    path.join(out, "fitlog.csv"),
    "epoch,0, step,40, total,9.00,9.50,       recon,8.00,8.40, kl,1.00,1.10, l2,0.00100,       klweight,0.10, l2weight,0.10\n" +
      "epoch,1, step,80, total,8.00,8.50,       recon,7.00,7.40, kl,1.00,1.10, l2,0.00100,       klweight,0.20, l2weight,0.20\n",
  );
  assert.deepEqual(trainProgress(dir), { epoch: 1, step: 80 });
  assert.equal(describeProgress(trainProgress(dir)), "epoch 1, step 80");
});

test("sweepDisplay: one notebook display updated in place; in a log, a line per event and the summary at the end", () => {
  const sent: { display: number; mime: string; payload: string }[] = [];
  let displays = 0;
  useTslab({
    newDisplay() {
      const id = displays++;
      return { raw: (mime: string, payload: string | Uint8Array) => void sent.push({ display: id, mime, payload: String(payload) }) };
    },
  });
  try {
    const d = sweepDisplay();
    d.event(base, "[ 1s] param_a/x: train started");
    d.tick({ ...base, elapsedMs: 70_000 });
    d.finish({ ...base, finished: true, running: 0, queued: 0 });
  } finally {
    useTslab(undefined);
  }
  assert.equal(displays, 1, "one display, updated in place");
  assert.equal(sent.length, 3);
  assert.ok(sent.every((m) => m.mime === "text/html" && m.payload.startsWith('<div class="lfads-sweep"')));

  const lines: string[] = [];
  setTextOutput({ write: (t: string) => lines.push(t) });
  try {
    const d = sweepDisplay();
    d.event(base, "[ 1s] param_a/x: train started");
    d.tick(base);
    d.finish({ ...base, finished: true });
  } finally {
    setTextOutput("stdout");
  }
  assert.equal(lines.join(""), "[ 1s] param_a/x: train started\nsweep: 3/8 done, 2 running, 1 failed, 2 queued (1 already done) · 1m05s\n");
});

test("sweepDisplay in a log: the summary line once a minute while runs go on, not at every tick", (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  const lines: string[] = [];
  setTextOutput({ write: (s: string) => lines.push(s) });
  try {
    const d = sweepDisplay();
    d.tick(base);
    t.mock.timers.tick(30_000);
    d.tick(base);
    assert.equal(lines.length, 0, "nothing in the first minute");
    t.mock.timers.tick(31_000);
    d.tick(base);
    assert.deepEqual(lines, [`${progressLine(base)}\n`]);
    t.mock.timers.tick(10_000);
    d.tick(base);
    assert.equal(lines.length, 1, "the next one waits another minute");
  } finally {
    setTextOutput("stdout");
  }
});
