/**
 * `lfads figure`: paper figures of a run folder through the system's Chromium (no mocks). A tiny Lorenz
 * run (3 factors, so the 3-D trajectories can be drawn) is prepared, trained for 2 epochs and its
 * posterior sampled with 2 samples per trial; then the command writes PDF, SVG and PNG files, which are
 * opened and checked, and every bad input fails naming the option, with nothing written.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main, type CliIO } from "../../src/cli.js";
import { setWarningSink } from "../../src/core/errors.js";
import { chromiumPath } from "../../src/display/export/chromium.js";
import { closeExporter } from "../../src/display/export/session.js";
import { samplePosterior } from "../../src/posterior/sample.js";
import { writeRunParamsFile } from "../../src/runs/run-params-file.js";
import type { Run } from "../../src/runs/run.js";
import { prepareTinyRun } from "../runs/tiny-run.js";
import { trainRun } from "../../src/train/train-run.js";
import { ROOT, TINY, lfads as lfadsSpawn, tmpDir } from "../queue/fixture.js";

const skip = chromiumPath() ? false : "no Chromium (apt-get install chromium, or set LFADS_CHROMIUM)";
const root = tmpDir("lfads-cli-figure-");
const figs = path.join(root, "figs");
let run: Run;
let dir: string;
after(() => closeExporter());

async function lfads(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(["figure", ...argv], io), out, err };
}

/** Nothing but the named files in the figures folder (no temp files either). */
function written(): string[] {
  return fs.existsSync(figs) ? fs.readdirSync(figs).sort() : [];
}

function pngSize(b: Buffer): { width: number; height: number } {
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function pdfMediaBox(b: Buffer): number[] {
  const s = b.toString("latin1");
  assert.ok(s.startsWith("%PDF-1."), "PDF header");
  assert.ok(s.trimEnd().endsWith("%%EOF"), "PDF trailer");
  const mb = /\/MediaBox\s*\[\s*([\d.\s-]+)\]/.exec(s);
  assert.ok(mb, "MediaBox");
  return mb[1]!.trim().split(/\s+/).map((v) => Math.round(Number(v)));
}

before(async () => {
  run = await prepareTinyRun(root, TINY.with({ c_factors_dim: 3 }), { nConditions: 4, nTime: 30, minTrialsPerCondition: 8, maxTrialsPerCondition: 8, minChannels: 6, maxChannels: 6, seed: 3 });
  writeRunParamsFile(run);
  dir = run.path;
});

test("before training / posterior sampling: says which command to run first; nothing written", { skip }, async () => {
  const tr = await lfads([dir, "--plot", "training", "--out", path.join(figs, "t.png")]);
  assert.equal(tr.code, 1);
  assert.match(tr.err, /^lfads figure: no .*lfadsOutput\/fitlog\.csv yet: train the run first \('lfads train .*single_dataset001'\)\n$/);
  const r = await lfads([dir, "--plot", "rates", "--out", path.join(figs, "r.pdf")]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^lfads figure: no posterior means of dataset dataset001 \(posterior_sample_and_average\) in .*lfadsOutput yet: run 'lfads posterior .*single_dataset001' first \(after 'lfads train'/);
  assert.deepEqual(written(), []);
});

test("rates → PDF (through bin/lfads.js), factors → SVG, training → PNG at width·scale, trajectories → PDF", { skip, timeout: 180_000 }, async () => {
  await trainRun(run, { maxEpochs: 2, quiet: true });
  const noPosterior = await lfads([dir, "--plot", "factors", "--out", path.join(figs, "f.svg")]);
  assert.match(noPosterior.err, /run 'lfads posterior .*' first\n$/);
  const prev = setWarningSink(() => {}); // "no lowest-validation-error checkpoint yet" after 2 epochs
  try {
    await samplePosterior(dir, { params: run.params, numSamples: 2, quiet: true });
  } finally {
    setWarningSink(prev);
  }

  // rates → PDF, through the built launcher: one page of width × height px (0.75 pt each)
  assert.ok(fs.existsSync(path.join(ROOT, "dist", "cli", "figure.js")), "dist/cli/figure.js is missing: run 'npm run build' first (npm test does)");
  const ratesPdf = path.join(figs, "rates.pdf");
  const s = lfadsSpawn(["figure", dir, "--plot", "rates", "--out", ratesPdf, "--trials", "0,1", "--neurons", "0,2,4", "--width", "640", "--height", "480", "--font-size", "9"]);
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out, `${ratesPdf}\n`);
  assert.deepEqual(pdfMediaBox(fs.readFileSync(ratesPdf)), [0, 0, 480, 360]);

  // rates → SVG: the true rates (the loader has them for Lorenz) and the spikes are drawn
  const ratesSvg = path.join(figs, "rates.svg");
  const rs = await lfads([dir, "--plot", "rates", "--out", ratesSvg, "--split", "train"]);
  assert.equal(rs.code, 0, rs.err);
  const rsText = fs.readFileSync(ratesSvg, "utf8");
  for (const t of ["true rate", "inferred rate", "spikes", "(train"]) assert.ok(rsText.includes(t), t);
  assert.ok(!rsText.includes("(valid"), "--split train: training trials only");

  // factors → SVG with the font family and size applied
  const factorsSvg = path.join(figs, "factors.svg");
  const f = await lfads([dir, "--plot", "factors", "--out", factorsSvg, "--font-family", "DejaVu Serif", "--font-size", "15", "--split", "valid"]);
  assert.equal(f.code, 0, f.err);
  assert.equal(f.out, `${factorsSvg}\n`);
  const svg = fs.readFileSync(factorsSvg, "utf8");
  assert.match(svg, /^<\?xml[^>]*>\s*<svg/);
  assert.ok(svg.length > 2000);
  assert.ok(svg.includes("factor 2") && svg.includes("cond 1"), "panels and conditions");
  assert.match(svg, /font-family: ?['"]?DejaVu Serif/);
  assert.match(svg, /font-size: ?15px/);

  // training → PNG: width·scale × height·scale pixels
  const curvesPng = path.join(figs, "curves.png");
  const t = await lfads([dir, "--plot", "training", "--out", curvesPng, "--width", "500", "--height", "300", "--scale", "2"]);
  assert.equal(t.code, 0, t.err);
  const png = fs.readFileSync(curvesPng);
  assert.deepEqual(pngSize(png), { width: 1000, height: 600 });
  assert.ok(png.length > 5000, `PNG is only ${png.length} bytes`);

  // trajectories (a WebGL scene) → PDF: the scene is an embedded image
  const trajPdf = path.join(figs, "traj.pdf");
  const j = await lfads([dir, "--plot", "trajectories", "--out", trajPdf, "--width", "400", "--height", "400", "--scale", "2"]);
  assert.equal(j.code, 0, j.err);
  assert.match(j.err, /--scale applies to PNG only; the PDF is vector/);
  const pdf = fs.readFileSync(trajPdf);
  assert.deepEqual(pdfMediaBox(pdf), [0, 0, 300, 300]);
  assert.match(pdf.toString("latin1"), /\/Subtype\s*\/Image/);

  assert.deepEqual(written(), ["curves.png", "factors.svg", "rates.pdf", "rates.svg", "traj.pdf"], "no temp files left");
});

test("bad input: one line naming the option, the value and the fix; non-zero exit; nothing written", { skip }, async () => {
  const before = written();
  const out = (name: string) => path.join(figs, name);
  const cases: [string[], number, RegExp][] = [
    [["--plot", "dashboard", "--out", out("x.pdf")], 2, /--plot must be one of rates, factors, trajectories, training; got 'dashboard'/],
    [["--out", out("x.pdf")], 2, /--plot is required: one of rates, factors, trajectories, training/],
    [["--plot", "rates"], 2, /--out is required: the file to write, ending in \.svg, \.png or \.pdf/],
    [["--plot", "rates", "--out", out("x.jpg")], 2, /--out must end in \.svg, \.png or \.pdf; got '.*x\.jpg'/],
    [["--plot", "rates", "--out", out("x.pdf"), "--dataset", "dataset007"], 2, /--dataset 'dataset007' is not a dataset of this run; give one of: dataset001 \(or 1\)/],
    [["--plot", "rates", "--out", out("x.pdf"), "--trials", "0,a"], 2, /--trials expects comma-separated 0-based trial indices such as 0,1,2; got '0,a'/],
    [["--plot", "rates", "--out", out("x.pdf"), "--neurons", "1;2"], 2, /--neurons expects comma-separated 0-based neuron indices such as 0,1,2; got '1;2'/],
    [["--plot", "rates", "--out", out("x.pdf"), "--neurons", "0,99"], 2, /--neurons: neuron 99 is out of range; dataset dataset001 has 6 neurons \(0–5\)/],
    [["--plot", "rates", "--out", out("x.pdf"), "--trials", "999"], 2, /--trials: trial 999 is out of range; dataset dataset001 has \d+ trials/],
    [["--plot", "factors", "--out", out("x.pdf"), "--neurons", "0"], 2, /--neurons does not apply to --plot factors \(it is for rates\)/],
    [["--plot", "training", "--out", out("x.pdf"), "--dataset", "dataset001"], 2, /--dataset does not apply to --plot training/],
    [["--plot", "rates", "--out", out("x.png"), "--width", "-5"], 2, /--width expects a positive number of px, got -5/],
    [["--plot", "rates", "--out", out("x.png"), "--scale", "x"], 2, /--scale expects a number, got 'x'/],
    [["--plot", "rates", "--out", out("x.png"), "--split", "test"], 2, /--split must be one of train, valid; got 'test'/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await lfads([dir, ...argv]);
    assert.equal(r.code, code, `${argv.join(" ")}: ${r.err}`);
    assert.match(r.err, re, argv.join(" "));
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.equal(r.out, "");
  }
  // a split trial check: a training trial is not in --split valid
  const trainTrial = String(fs.readFileSync(path.join(figs, "rates.svg"), "utf8").match(/trial (\d+) \(train/)![1]);
  const sv = await lfads([dir, "--plot", "rates", "--out", out("x.png"), "--split", "valid", "--trials", trainTrial]);
  assert.equal(sv.code, 2);
  assert.match(sv.err, new RegExp(`--trials: trial ${trainTrial} is a training trial, not in --split valid`));
  // no Chromium: the finder's message (what was searched, how to install), before anything is read
  const saved = process.env.LFADS_CHROMIUM;
  process.env.LFADS_CHROMIUM = path.join(root, "no-chromium");
  try {
    const nc = await lfads([dir, "--plot", "rates", "--out", out("x.pdf")]);
    assert.equal(nc.code, 1);
    assert.match(nc.err, /^lfads figure: LFADS_CHROMIUM=.*no-chromium is not an executable file; point it at a Chromium or Chrome binary/);
  } finally {
    if (saved === undefined) delete process.env.LFADS_CHROMIUM;
    else process.env.LFADS_CHROMIUM = saved;
  }
  const notRun = await lfads([root, "--plot", "training", "--out", out("x.pdf")]);
  assert.equal(notRun.code, 1);
  assert.match(notRun.err, /has no lfadsInput\/ folder, so it is not a prepared run/);
  assert.deepEqual(written(), before, "nothing written by a failed call");
});
