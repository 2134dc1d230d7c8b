// `lfads plot-fitlog`: training curves from fitlog.csv (and the learning rate from the newest checkpoint).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, type CliIO } from "../../src/cli.js";
import { fitlogFolder, learningRatesOf } from "../../src/cli/plot-fitlog.js";
import { findChromium } from "../../src/display/export/chromium.js";
import { loadFitLog } from "../../src/posterior/fit-log.js";
import { saveCheckpoint, type TrainerState } from "../../src/train/checkpoint.js";
import { fitlogLine, writeFitlog } from "../../src/train/fitlog.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-plot-fitlog-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

async function lfads(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}

/** A save folder as training leaves it: 4 epochs in fitlog.csv, the LR decayed once after epoch 2. */
async function saveDir(): Promise<string> {
  const dir = path.join(root, "lfads_save");
  fs.mkdirSync(dir, { recursive: true });
  const rows = [0, 1, 2, 3].map((epoch) =>
    fitlogLine({
      epoch, step: 10 * (epoch + 1), train: { total: 100 - epoch, recon: 90 - epoch, kl: 5 }, valid: { total: 101 - epoch, recon: 91 - epoch, kl: 5 },
      l2: 0.5, klWeight: Math.min(1, epoch / 2), l2Weight: Math.min(1, epoch / 2),
    }),
  );
  writeFitlog(dir, rows);
  fs.writeFileSync(path.join(dir, "hyperparameters-0.txt"), JSON.stringify({ learning_rate_init: 0.01, learning_rate_decay_factor: 0.5 }));
  const state: TrainerState = {
    step: 40, epochsDone: 4, lr: { learningRate: 0.005, history: [100, 99, Infinity, 97] }, rngState: [1, 2, 3, 4], adamT: 40,
    lowestValidCost: 98, validCount: 4, fitlog: rows, seed: 0, backend: "cpu",
  };
  await saveCheckpoint(dir, "rolling", { state, weights: new Map([["LFADS/w", { shape: [1], data: Float32Array.of(1) }]]), adamM: new Map(), adamV: new Map() }, 5);
  return dir;
}

test("plot-fitlog: HTML report with the costs, the ramp weights, the learning rate and the KL/L2 costs", async () => {
  const dir = await saveDir();
  assert.deepEqual(await learningRatesOf(dir, loadFitLog(dir)), [0.01, 0.01, 0.01, 0.005], "decayed after epoch 2");
  const r = await lfads(["plot-fitlog", dir]);
  assert.equal(r.code, 0, r.err);
  const html = fs.readFileSync(path.join(dir, "training_curves.html"), "utf8");
  for (const s of ["total (valid)", "recon (train)", "KL weight", "L2 weight", "learning rate", "KL (valid)", "L2 cost", "Lowest validation error (after the ramps) at epoch 3"]) assert.ok(html.includes(s), s);
  assert.match(r.out, /^4 epochs → .*training_curves\.html\n$/);
  // A Run Manager run folder (fitlog in lfadsOutput/) and the fitlog.csv path work too.
  const run = path.join(root, "run");
  fs.mkdirSync(run);
  fs.cpSync(dir, path.join(run, "lfadsOutput"), { recursive: true });
  assert.equal(fitlogFolder(run), path.join(run, "lfadsOutput"));
  assert.equal(fitlogFolder(path.join(dir, "fitlog.csv")), dir);
  const bad = await lfads(["plot-fitlog", dir, "--out", path.join(root, "x.jpg")]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--out must end in \.html, \.svg, \.png or \.pdf/);
  const none = await lfads(["plot-fitlog", path.join(root, "nothing")]);
  assert.equal(none.code, 1);
});

let chromium: string | undefined;
try {
  chromium = findChromium();
} catch {
  chromium = undefined;
}

test("plot-fitlog --out curves.svg: two panels through Chromium", { skip: chromium ? false : "no Chromium (set LFADS_CHROMIUM)", timeout: 120_000 }, async () => {
  const dir = await saveDir();
  const out = path.join(root, "curves.svg");
  const r = await lfads(["plot-fitlog", dir, "--out", out, "--x", "step"]);
  assert.equal(r.code, 0, r.err);
  const svg = fs.readFileSync(out, "utf8");
  assert.match(svg, /^<svg|^<\?xml/);
  assert.ok(svg.includes("learning rate") && svg.includes("KL and L2 costs"));
});
