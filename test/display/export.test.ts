// Static export through the system's Chromium (no mocks): SVG, PNG and PDF files are written, then
// opened and checked. One browser serves the whole file. Skipped, with the reason logged, only when
// no Chromium is installed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { inflateSync } from "node:zlib";
import { ParamError } from "../../src/core/errors.js";
import { Figure, plotFactorTrajectories3d, plotSingleTrialRates, plotTrainingCurves } from "../../src/display/plots/index.js";
import { chromiumPath, ChromiumNotFoundError, closeExporter, findChromium, formatFromPath, renderPanels, savePanels } from "../../src/display/export/index.js";
import { withScratchPage } from "../../src/display/export/session.js";
import { synthFitLog, synthPosterior } from "./plots-fixture.js";

let chromium: string | undefined;
let skip: string | false = false;
try {
  chromium = findChromium();
} catch (e) {
  skip = (e as Error).message;
}
if (skip) console.log(`# export tests skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), "lfads-export-test-"));
after(async () => {
  await closeExporter();
  rmSync(dir, { recursive: true, force: true });
});

/** PNG signature and IHDR width × height. */
function pngSize(b: Buffer): { width: number; height: number } {
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  assert.equal(b.toString("latin1", 12, 16), "IHDR");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** `%PDF-` header, `%%EOF` trailer, the page objects and the first page's MediaBox (points). */
function pdfInfo(b: Buffer): { pages: number; mediaBox: number[] } {
  const s = b.toString("latin1");
  assert.ok(s.startsWith("%PDF-1."), "PDF header");
  assert.ok(s.trimEnd().endsWith("%%EOF"), "PDF trailer");
  const pages = (s.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
  const mb = /\/MediaBox\s*\[\s*([\d.\s-]+)\]/.exec(s);
  assert.ok(mb, "MediaBox");
  return { pages, mediaBox: mb[1]!.trim().split(/\s+/).map(Number) };
}

/** Operator counts in a PDF's (Flate) content streams: text shows and line segments = vector drawing. */
function pdfOps(b: Buffer): { text: number; lines: number } {
  const s = b.toString("latin1");
  const re = /stream\r?\n/g;
  let all = "";
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const start = m.index + m[0].length;
    try {
      all += inflateSync(b.subarray(start, s.indexOf("endstream", start))).toString("latin1");
    } catch {
      // not a Flate stream (fonts, images)
    }
  }
  return { text: (all.match(/ T[Jj]\b/g) ?? []).length, lines: (all.match(/ l\n/g) ?? []).length };
}

/** Parse an SVG in the browser (DOMParser, strict XML): root size and element counts. */
async function parseSvg(svg: string): Promise<{ error: string | null; root: string; width: string | null; height: string | null; nested: number; traces: number; lines: number; texts: string[] }> {
  return withScratchPage(async (page) => {
    const expr = `(function (src) {
      var doc = new DOMParser().parseFromString(src, "image/svg+xml");
      var err = doc.getElementsByTagName("parsererror")[0];
      var root = doc.documentElement;
      return {
        error: err ? err.textContent : null, root: root.nodeName, width: root.getAttribute("width"), height: root.getAttribute("height"),
        nested: root.getElementsByTagName("svg").length,
        traces: doc.querySelectorAll(".scatterlayer .trace").length,
        lines: doc.querySelectorAll(".scatterlayer .trace path.js-line").length,
        texts: Array.prototype.map.call(doc.querySelectorAll("text"), function (t) { return t.textContent; })
      };
    })(${JSON.stringify(svg)})`;
    return page.evaluate(expr);
  });
}

const lines = new Figure({
  data: [
    { type: "scatter", mode: "lines", x: [0, 1, 2, 3], y: [1, 3, 2, 4], name: "alpha" },
    { type: "scatter", mode: "lines+markers", x: [0, 1, 2, 3], y: [2, 1, 3, 1], name: "beta" },
  ],
  layout: { title: { text: "Two lines" }, xaxis: { title: { text: "time (ms)" } } },
});

test("findChromium: a bad LFADS_CHROMIUM is an error; nothing found names every place searched", () => {
  assert.throws(() => findChromium({ LFADS_CHROMIUM: join(dir, "nope"), PATH: "" }), (e: Error) => e instanceof ChromiumNotFoundError && /LFADS_CHROMIUM=.*nope is not an executable file/.test(e.message));
  assert.throws(
    () => findChromium({ PATH: `${dir}:/nonexistent` }, { paths: [join(dir, "chromium")] }),
    (e: Error) =>
      e instanceof ChromiumNotFoundError &&
      e.message.includes(`Searched: $LFADS_CHROMIUM (unset), ${join(dir, "chromium")}, chromium on PATH, chromium-browser on PATH, google-chrome on PATH, google-chrome-stable on PATH.`) &&
      e.message.includes("apt-get install chromium") &&
      e.searched.length === 6,
  );
  assert.equal(chromiumPath({ PATH: "" }, { paths: [] }), undefined);
  assert.equal(formatFromPath("a/b/Fig.PDF"), "pdf");
  assert.throws(() => formatFromPath("fig.jpg"), ParamError);
});

test("findChromium: LFADS_CHROMIUM wins; fixed paths; names on PATH", { skip }, () => {
  assert.equal(findChromium({ LFADS_CHROMIUM: chromium!, PATH: "" }, { paths: [] }), chromium);
  assert.equal(findChromium({ PATH: "" }, { paths: ["/nonexistent/chrome", chromium!] }), chromium);
  assert.equal(findChromium({ PATH: `/nonexistent:${dirname(chromium!)}` }, { paths: [], names: [basename(chromium!)] }), chromium);
});

test("fig.save → SVG: parses as XML, width/height attributes, one line path per trace, title text", { skip }, async () => {
  const file = join(dir, "lines.svg");
  assert.equal(await lines.save(file, { width: 640, height: 360, scale: 3, fontFamily: "DejaVu Serif", fontSize: 14 }), file);
  const svg = readFileSync(file, "utf8");
  assert.match(svg, /^<\?xml version="1.0"/);
  assert.ok(svg.includes("font-family: 'DejaVu Serif'; font-size: 14px"), "export font applied");
  const p = await parseSvg(svg);
  assert.equal(p.error, null);
  assert.equal(p.root, "svg");
  assert.equal(p.width, "640"); // vector: scale does not change the size
  assert.equal(p.height, "360");
  assert.equal(p.traces, 2);
  assert.equal(p.lines, 2);
  assert.ok(p.texts.includes("Two lines"));
  assert.ok(p.texts.includes("time (ms)"));
  // the figure itself is unchanged by export options
  assert.equal(lines.layout.width, undefined);
  assert.equal(lines.layout.font, undefined);
  // atomic write: no temp files left beside it
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});

test("fig.save → PNG: IHDR is width·scale × height·scale; default size 800 × 450", { skip }, async () => {
  const fig = plotSingleTrialRates(synthPosterior(), { neurons: 2, trials: 2 });
  const file = join(dir, "rates.png");
  await fig.save(file, { width: 500, height: 300, scale: 2 });
  assert.deepEqual(pngSize(readFileSync(file)), { width: 1000, height: 600 });
  await lines.save(join(dir, "default.png"));
  assert.deepEqual(pngSize(readFileSync(join(dir, "default.png"))), { width: 800, height: 450 });
  // the layout's own size is the default when set
  const sized = lines.clone().style({ width: 300, height: 200 });
  assert.deepEqual(pngSize(Buffer.from(await sized.toImage("png", { scale: 1.5 }))), { width: 450, height: 300 });
  // WebGL (3-D scene) renders in headless Chromium too
  const traj = plotFactorTrajectories3d(synthPosterior());
  await traj.save(join(dir, "traj.png"), { width: 400, height: 400 });
  const b = readFileSync(join(dir, "traj.png"));
  assert.deepEqual(pngSize(b), { width: 400, height: 400 });
  assert.ok(b.length > 10_000, `3-D PNG is only ${b.length} bytes`);
});

test("fig.save → PDF: %PDF, one page of width × height px (in points)", { skip }, async () => {
  const fig = plotTrainingCurves(synthFitLog());
  const file = join(dir, "training.pdf");
  await fig.save(file, { width: 720, height: 400 });
  const bytes = readFileSync(file);
  const info = pdfInfo(bytes);
  assert.equal(info.pages, 1);
  const ops = pdfOps(bytes);
  assert.ok(ops.text > 10 && ops.lines > 10, `vector text and lines in the PDF: ${JSON.stringify(ops)}`);
  // 1 px = 0.75 pt
  assert.deepEqual(info.mediaBox.map((v) => Math.round(v)), [0, 0, 540, 300]);
});

test("savePanels: several figures on one page — PNG size, one-page PDF, nested SVG panels with letters", { skip }, async () => {
  const pm = synthPosterior();
  const figs = [lines, plotSingleTrialRates(pm, { neurons: 1, trials: 2 }), plotTrainingCurves(synthFitLog())];
  const png = join(dir, "panels.png");
  await savePanels(figs, png, { cols: 2, panelWidth: 400, panelHeight: 300, gap: 20, scale: 2, title: "Figure 1" });
  // 2 columns × 2 rows: (2·400 + 20) × (title 26 + 2·300 + 20), × 2
  assert.deepEqual(pngSize(readFileSync(png)), { width: 1640, height: 2 * (26 + 620) });

  const pdf = join(dir, "panels.pdf");
  await savePanels(figs, pdf, { cols: 3, panelWidth: 400, panelHeight: 300, gap: 0 });
  const info = pdfInfo(readFileSync(pdf));
  assert.equal(info.pages, 1);
  assert.deepEqual(info.mediaBox.map((v) => Math.round(v)), [0, 0, 900, 225]);

  const svg = Buffer.from(await renderPanels(figs, "svg", { cols: 3, panelWidth: 300, panelHeight: 200, labels: ["a", "b", "c"] })).toString("utf8");
  const p = await parseSvg(svg);
  assert.equal(p.error, null);
  assert.equal(p.width, "920"); // 3·300 + 2·10
  assert.equal(p.height, "200");
  assert.equal(p.nested, 3);
  for (const l of ["a", "b", "c"]) assert.ok(p.texts.includes(l));
  await assert.rejects(savePanels([], join(dir, "none.png")), /at least one figure/);
});

test("a script that saved a figure exits by itself (the idle browser does not hold the event loop)", { skip, timeout: 60_000 }, () => {
  const out = join(dir, "child.png");
  const script = `const { Figure } = require(${JSON.stringify(require.resolve("../../src/display/plots/figure.ts"))});
    new Figure({ data: [{ y: [1, 2, 3] }] }).save(${JSON.stringify(out)}, { width: 200, height: 100 }).then((p) => console.log("saved", p));`;
  const profiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith("lfads-chromium-"));
  const before = new Set(profiles());
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", timeout: 50_000 });
  assert.equal(r.status, 0, `child exit ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /saved .*child\.png/);
  assert.deepEqual(pngSize(readFileSync(out)), { width: 200, height: 100 });
  assert.ok(Date.now() - t0 < 50_000);
  // the child's temporary Chromium profile is gone
  assert.deepEqual(profiles().filter((f) => !before.has(f)), []);
});
