// HTML reports: structure (plotly.js inlined once, every figure, tables, escaping), and a real render in
// Chromium checking that every plot div drew. (The notebook bundle's text/html: notebook-plotly.test.ts.)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParamError } from "../../src/core/errors.js";
import { computeAlignment } from "../../src/align/index.js";
import {
  plotAlignmentReconstruction,
  plotConditionAveragedFactors,
  plotFactorTrajectories3d,
  plotSingleTrialRates,
  plotTrainingCurves,
  plotlyVersion,
  runDashboard,
} from "../../src/display/plots/index.js";
import { reportFigureCount, reportHtml, writeReport, type ReportOptions } from "../../src/display/report/index.js";
import { closeExporter, countDrawnPlots, findChromium } from "../../src/display/export/index.js";
import { withScratchPage } from "../../src/display/export/session.js";
import { posteriorCheckpointText } from "../../src/demo/training-report.js";
import { synthAlignmentInput, synthFitLog, synthFitLogWithDiagnostics, synthPosterior } from "./plots-fixture.js";

let skip: string | false = false;
try {
  findChromium();
} catch (e) {
  skip = (e as Error).message;
}
if (skip) console.log(`# report render tests skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), "lfads-report-test-"));
after(async () => {
  await closeExporter();
  rmSync(dir, { recursive: true, force: true });
});

const count = (s: string, sub: string) => s.split(sub).length - 1;
// (no assert.match on 5-MB pages: a failure would print the whole plotly bundle)
const has = (s: string, re: RegExp) => assert.ok(re.test(s), `expected ${re}`);
const hasNot = (s: string, re: RegExp) => assert.ok(!re.test(s), `did not expect ${re}`);

/** Training curves with the diagnostics panels, one divergence event (epoch 22) and the LVE epoch 24 (step 240). */
const trainingLog = synthFitLogWithDiagnostics(30, 5, 22);

function demoReport(): ReportOptions {
  const pm = synthPosterior();
  return {
    title: "LFADS demo <report>",
    subtitle: "synthetic data",
    generatedAt: false,
    sections: [
      {
        heading: "Runs",
        text: "Two runs.\n\nThe best values are in bold & marked.",
        table: runDashboard([
          { name: "a", paramHash: "111111", params: { c_co_dim: 0 }, status: "trained", bestValidCost: 10, r2: 0.8 },
          { name: "b", paramHash: "222222", params: { c_co_dim: 4 }, status: "trained", bestValidCost: 9, r2: 0.9 },
        ]),
      },
      { heading: "Training", text: posteriorCheckpointText(trainingLog, { file: "x", checkpoint: "lfads_vae_lve.ckpt-240.h5", step: 240 }), figure: plotTrainingCurves(trainingLog) },
      { heading: "Rates", figure: [plotSingleTrialRates(pm, { neurons: 2, trials: 2 }), plotConditionAveragedFactors(pm)] },
      { heading: "Trajectories", figure: plotFactorTrajectories3d(pm) },
      { heading: "Alignment", figure: plotAlignmentReconstruction(computeAlignment(synthAlignmentInput(), { nFactors: 3 }), { factors: 2, conditions: 2 }) },
      { heading: "Scores", table: [{ dataset: "dataset001", r2: 0.91 }], html: "<p id='raw'>raw <i>html</i></p>" },
      { figure: { data: [{ type: "bar", x: ["a", "b"], y: [1, 2], name: "</script><b>" }], layout: { title: { text: "spec" } } } },
    ],
  };
}

test("posteriorCheckpointText: the checkpoint the posterior came from, whether it is the LVE one, the LVE epoch and the divergence events", () => {
  const lve = { file: "x", checkpoint: "lfads_vae_lve.ckpt-240.h5", step: 240 };
  assert.equal(
    posteriorCheckpointText(trainingLog, lve),
    "The posterior means were sampled from checkpoint lfads_vae_lve.ckpt-240.h5 (step 240), the lowest-validation-error epoch 24 (valid cost 432.59), " +
      "marked ★ and by the dotted line in the training curves.\n\nThe divergence watch fired once (red dashed lines):\n" +
      "epoch 22: divergence at epoch 22 (step 220): valid cost …; restored lfads_vae_lve.ckpt-200.h5 (step 200)",
  );
  assert.match(posteriorCheckpointText(trainingLog, { file: "x", checkpoint: "lfads_vae.ckpt-300.h5", step: 300 }), /^The posterior means were sampled from checkpoint lfads_vae\.ckpt-300\.h5 \(step 300\); the lowest-validation-error epoch is 24 \(step 240/);
  assert.match(posteriorCheckpointText(synthFitLog(10, 3), undefined), /^The posterior files name no checkpoint \(not sampled yet, or written by TF LFADS\); the lowest-validation-error epoch is \d+ .*dotted line in the training curves\.$/);
  assert.match(posteriorCheckpointText(synthFitLog(4, 10), lve), /; no epoch after the KL\/L2 ramps yet, so no lowest-validation-error epoch\.$/);
});

test("reportHtml: plotly.js once, one div + newPlot per figure, tables, text escaped, no external scripts", () => {
  const opts = demoReport();
  assert.equal(reportFigureCount(opts), 6);
  const html = reportHtml(opts);
  has(html, /sampled from checkpoint lfads_vae_lve\.ckpt-240\.h5 \(step 240\), the lowest-validation-error epoch 24/);
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.equal(count(html, `plotly.js v${plotlyVersion()}`), 1);
  assert.equal(count(html, "if (!window.Plotly)"), 1);
  assert.equal(count(html, 'class="lfads-plot"'), 6);
  assert.equal(count(html, "window.Plotly.newPlot("), 6);
  for (let k = 1; k <= 6; k++) assert.ok(html.includes(`id="lfads-plot-${k}"`));
  hasNot(html, /<script[^>]*\ssrc=/);
  hasNot(html, /<link[^>]*\shref=/);
  has(html, /<title>LFADS demo &lt;report&gt;<\/title>/);
  has(html, /<p>The best values are in bold &amp; marked\.<\/p>/);
  has(html, /lfads-dashboard/);
  has(html, /<th[^>]*>dataset<\/th>/);
  has(html, /<p id='raw'>raw <i>html<\/i><\/p>/);
  assert.equal(count(html, "</script><b>"), 0);
  has(html, /<nav class="lfads-toc">/);
  hasNot(html, /<footer>[^<]*generated/);
  // no figures, no plotly
  const small = reportHtml({ title: "t", sections: [{ text: "hi" }] });
  assert.ok(small.length < 5000);
  has(small, /<footer>[^<]*generated \d{4}-/);
  assert.throws(() => reportHtml({ title: "t" } as unknown as ReportOptions), ParamError);

  const file = join(dir, "sub", "report.html");
  assert.equal(writeReport(file, opts), file);
  assert.ok(readFileSync(file, "utf8") === html, "file holds the report");
  assert.deepEqual(readdirSync(join(dir, "sub")), ["report.html"]);
});

test("a written report renders in Chromium: every plot div drew (.main-svg), offline", { skip, timeout: 60_000 }, async () => {
  const opts = demoReport();
  const file = writeReport(join(dir, "render.html"), opts);
  const r = await countDrawnPlots(file);
  assert.deepEqual(r, { plots: 6, drawn: 6 });
  const details = await withScratchPage(async (page) => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on("request", (q) => requests.push(q.url()));
    await page.goto(`file://${file}`);
    const counts = await page.evaluate(`(function () {
      var divs = document.querySelectorAll(".lfads-plot");
      return {
        withMainSvg: Array.prototype.filter.call(divs, function (d) { return d.querySelector(".main-svg") !== null; }).length,
        scatterTraces: document.querySelectorAll(".scatterlayer .trace").length,
        scenes: document.querySelectorAll(".gl-container canvas, .gl-canvas").length,
        bars: document.querySelectorAll(".barlayer .trace").length,
        tables: document.querySelectorAll("table").length
      };
    })()`);
    return { errors, requests: requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:")), counts };
  });
  assert.deepEqual(details.errors, []);
  assert.deepEqual(details.requests, []);
  const c = details.counts as { withMainSvg: number; scatterTraces: number; scenes: number; bars: number; tables: number };
  assert.equal(c.withMainSvg, reportFigureCount(opts));
  assert.ok(c.scatterTraces > 20, `scatter traces drawn: ${c.scatterTraces}`);
  assert.ok(c.scenes >= 1, "the 3-D scene has a WebGL canvas");
  assert.equal(c.bars, 2, "the spec figure's bars and the training curves' clipped-steps bars");
  assert.equal(c.tables, 2);
});
