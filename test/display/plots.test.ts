// Figure builders on small synthetic PosteriorMeans / fit logs / alignments, and the Figure display
// bundle. No browser needed here (export*.test.ts and report*.test.ts drive Chromium).
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { inspect } from "node:util";
import { ParamError } from "../../src/core/errors.js";
import { setTextOutput } from "../../src/display/bridge.js";
import { bundleOf, show } from "../../src/display/show.js";
import { computeAlignment, alignmentReconstructionData } from "../../src/align/index.js";
import {
  Figure,
  figure,
  plotAlignmentReconstruction,
  plotConditionAveragedFactors,
  plotFactorTrajectories3d,
  plotSingleTrialRates,
  plotTrainingCurves,
  runDashboard,
  plotlyVersion,
  type PlotlyTrace,
} from "../../src/display/plots/index.js";
import { PLOTLY_JS_END, PLOTLY_JS_START, hasPlotlyJs, plotlyScriptTag, withoutPlotlyJs } from "../../src/display/plots/plotly-js.js";
import { PlotlyCarrier } from "../../src/display/plots/plotly-carrier.js";
import { synthAlignmentInput, synthFitLog, synthFitLogWithDiagnostics, synthPosterior } from "./plots-fixture.js";
import { loadFitLog } from "../../src/posterior/fit-log.js";

afterEach(() => setTextOutput("stdout"));

const r6 = (v: number) => Number(v.toPrecision(6));
const count = (s: string, sub: string) => s.split(sub).length - 1;
const byName = (data: readonly PlotlyTrace[], name: string) => data.filter((t) => t.name === name);

test("Figure: plain JSON (typed arrays → arrays, NaN → null), style, summary, one MIME bundle", () => {
  const f = new Figure({ data: [{ type: "scatter", x: Float64Array.of(0, 1, 2), y: Float32Array.of(1, NaN, 3), name: "a</script>" }], layout: { title: { text: "T" } } });
  assert.deepEqual(f.data[0]!.x, [0, 1, 2]);
  assert.deepEqual(f.data[0]!.y, [1, null, 3]);
  assert.equal(f.title, "T");
  assert.equal(f.toText(), 'Figure "T": 1 trace (scatter)');
  f.style({ width: 640, height: 320, fontFamily: "DejaVu Serif", fontSize: 15, title: "New" });
  assert.equal(f.layout.width, 640);
  assert.equal(f.layout.height, 320);
  assert.deepEqual(f.layout.font, { family: "DejaVu Serif", size: 15 });
  assert.equal(f.title, "New");
  assert.throws(() => f.style({ width: -3 }), ParamError);

  const b = f.toMimeBundle();
  assert.deepEqual(Object.keys(b).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  const json = b["application/vnd.plotly.v1+json"] as { data: PlotlyTrace[]; layout: Record<string, unknown>; config: Record<string, unknown> };
  assert.deepEqual(json.data, f.data);
  assert.equal(json.layout.width, 640);
  assert.equal(json.config.displaylogo, false);
  const html = b["text/html"] as string;
  // plotly.js inlined exactly once, behind the window.Plotly guard, then drawn into the div
  assert.equal(count(html, "if (!window.Plotly)"), 1);
  assert.equal(count(html, `plotly.js v${plotlyVersion()}`), 1);
  assert.ok(html.length > 4_000_000, `html is ${html.length} chars; the bundle should be inlined`);
  const id = /<div id="(lfads-plot-[0-9a-f]+)"/.exec(html)?.[1];
  assert.ok(id);
  assert.ok(html.includes(`document.getElementById("${id}")`));
  assert.equal(count(html, "window.Plotly.newPlot(div, "), 1);
  // the library in its own bracketed <script>, before the one that draws; a note until drawn
  assert.ok(html.indexOf(PLOTLY_JS_START) < html.indexOf(PLOTLY_JS_END) && html.indexOf(PLOTLY_JS_END) < html.indexOf("newPlot(div"));
  assert.match(html.slice(0, html.indexOf(PLOTLY_JS_START)), /<div class="lfads-plot-note"[^>]*>Figure &quot;T&quot;: 1 trace \(scatter\)\. It is drawn by plotly\.js when scripts run/);
  assert.match(html, /style="width:640px;height:320px/);
  // text that would end the <script> is escaped in the inline JSON
  assert.equal(count(html, "a</script>"), 0);
  assert.equal(count(html, "a\\u003c/script>"), 1);
  // without the bundle (reports load plotly once themselves)
  const lean = f.toHtml({ includePlotly: false, divId: "p1" });
  assert.ok(lean.length < 3000 && !hasPlotlyJs(lean), `lean html is ${lean.length} chars`);
  assert.match(lean, /^<div id="p1" class="lfads-plot"/);

  // clone is deep; figure() wraps specs
  const c = f.clone();
  (c.data[0]!.y as number[])[0] = 99;
  assert.equal((f.data[0]!.y as number[])[0], 1);
  assert.equal(figure({ data: [] }, { height: 200 }).layout.height, 200);
});

test("Figure outside a kernel: show(), the last expression and bundleOf give the one-line summary", () => {
  let out = "";
  setTextOutput({ write: (t: string) => (out += t) });
  const f = new Figure({ data: [{ y: [1, 2] }, { type: "bar", y: [3] }] });
  show(f);
  f.show();
  assert.equal(out, "Figure: 2 traces (scatter, bar)\nFigure: 2 traces (scatter, bar)\n");
  assert.equal(inspect(f), "Figure: 2 traces (scatter, bar)");
  assert.equal(String(f), "Figure: 2 traces (scatter, bar)");
  const b = bundleOf(f);
  assert.equal(b["text/plain"], "Figure: 2 traces (scatter, bar)");
  assert.ok("application/vnd.plotly.v1+json" in b && "text/html" in b);
});

test("withoutPlotlyJs: drops the bracketed library blocks after the first `keep`, leaves the rest of the page", () => {
  const lib = plotlyScriptTag();
  assert.ok(lib.startsWith(PLOTLY_JS_START) && lib.endsWith(PLOTLY_JS_END) && lib.length > 4_000_000);
  const page = `<p>a</p>${lib}<p>b</p>${lib}<p>c</p>`;
  assert.equal(withoutPlotlyJs(page), "<p>a</p><p>b</p><p>c</p>");
  assert.equal(withoutPlotlyJs(page, 1), `<p>a</p>${lib}<p>b</p><p>c</p>`);
  assert.equal(withoutPlotlyJs(page, 2), page);
  assert.equal(withoutPlotlyJs("<p>no library</p>"), "<p>no library</p>");
  assert.ok(hasPlotlyJs(page) && !hasPlotlyJs(withoutPlotlyJs(page)));
});

test("PlotlyCarrier: the session's first figure output keeps plotly.js, later ones draw without it", () => {
  const c = new PlotlyCarrier();
  const fig = (title: string) => new Figure({ data: [{ y: [1, 2] }], layout: { title: { text: title } } }).toMimeBundle();
  const size = (b: { readonly [m: string]: unknown }) => (b["text/html"] as string).length;
  const table = { "text/html": "<table></table>", "text/plain": "t" };
  assert.equal(c.prepare(table, undefined, false), table, "bundles without plotly.js pass unchanged");
  assert.equal(c.carried, false);

  const first = c.prepare(fig("one"), undefined, false);
  assert.ok(hasPlotlyJs(first["text/html"] as string) && size(first) > 4_000_000, "first figure carries the library");
  assert.equal(c.carried, true);
  const second = fig("two");
  const lean = c.prepare(second, undefined, false);
  assert.ok(!hasPlotlyJs(lean["text/html"] as string) && size(lean) < 3000, `later figure is lean (${size(lean)} chars)`);
  assert.deepEqual(lean["application/vnd.plotly.v1+json"], second["application/vnd.plotly.v1+json"]);
  assert.match(lean["text/html"] as string, /newPlot\(div, \[\{"y":\[1,2\]\}\], \{"title":\{"text":"two"\}\}/);

  // release (showPlotlyJs): the next output carries it again
  c.release();
  assert.ok(hasPlotlyJs(c.prepare(fig("three"), undefined, false)["text/html"] as string));
});

test("PlotlyCarrier: an updatable display that carries plotly.js keeps it when replaced in place", () => {
  const c = new PlotlyCarrier();
  const fig = () => new Figure({ data: [{ y: [3] }] }).toMimeBundle();
  assert.ok(hasPlotlyJs(c.prepare(fig(), "d1", false)["text/html"] as string));
  assert.ok(!hasPlotlyJs(c.prepare(fig(), "d2", false)["text/html"] as string), "another display");
  assert.ok(hasPlotlyJs(c.prepare(fig(), "d1", true)["text/html"] as string), "update of the carrier display");
  assert.ok(!hasPlotlyJs(c.prepare(fig(), "d2", true)["text/html"] as string), "update of another display");
  // the carrier display replaced by text: no output carries the library; the next figure does
  c.prepare({ "text/plain": "done" }, "d1", true);
  assert.equal(c.carried, false);
  assert.ok(hasPlotlyJs(c.prepare(fig(), "d3", false)["text/html"] as string));
});

test("plotSingleTrialRates: neurons × trials panels with inferred rates, true rates (spikes/s) and spike ticks", () => {
  const pm = synthPosterior();
  const [, T, N] = pm.rates.shape;
  const fig = plotSingleTrialRates(pm, { neurons: [1, 4], trials: [3, 0, 5] });
  assert.equal(fig.data.length, 2 * 3 * 3);
  const inferred = byName(fig.data, "inferred rate");
  const truth = byName(fig.data, "true rate");
  const spikes = byName(fig.data, "spikes");
  assert.equal(inferred.length, 6);
  assert.equal(truth.length, 6);
  assert.equal(spikes.length, 6);
  // legend entries only once
  assert.equal(fig.data.filter((t) => t.showlegend === true).length, 3);
  // panel (row 1 = neuron 4, col 2 = trial 5) is axis 6
  const p = inferred[5]!;
  assert.equal(p.xaxis, "x6");
  assert.equal(p.yaxis, "y6");
  assert.deepEqual(p.x, Array.from(pm.time));
  assert.deepEqual(p.y, Array.from({ length: T }, (_, t) => r6(pm.rates.data[(5 * T + t) * N + 4]!)));
  // truth is expected counts per 10-ms bin → ×100 for spikes/s
  const tr = truth[5]!;
  assert.deepEqual(tr.y, Array.from({ length: T }, (_, t) => r6(pm.truth!.data[(5 * T + t) * N + 4]! * 100)));
  // one tick per raw (5-ms) bin with spikes, at that bin's start time
  const raw = pm.rawCounts!;
  const Traw = raw.shape[1];
  const want: number[] = [];
  for (let j = 0; j < Traw; j++) if (raw.data[(5 * Traw + j) * N + 4]! > 0) want.push(j * 5);
  assert.deepEqual(spikes[5]!.x, want);
  const ys = spikes[5]!.y as number[];
  assert.ok(ys.every((y) => y === ys[0] && y < 0), "ticks sit on one row below zero");
  // panel titles name trial, split and condition; x title under the bottom row
  const ann = fig.layout.annotations as { text: string }[];
  assert.deepEqual(ann.map((a) => a.text), ["trial 3 (valid, cond 1)", "trial 0 (train, cond 1)", "trial 5 (train, cond 3)"]);
  assert.equal((fig.layout.xaxis4 as { title: { text: string } }).title.text, "time (ms)");
  assert.match(fig.toText(), /2 neurons × 3 trials, with true rates, with spikes/);
});

test("plotSingleTrialRates: defaults (first 4 neurons × first 3 validation trials); truth/spikes follow the data", () => {
  const pm = synthPosterior();
  const fig = plotSingleTrialRates(pm);
  assert.equal(byName(fig.data, "inferred rate").length, 4 * 3);
  const ann = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.deepEqual(ann.map((t) => Number(/trial (\d+)/.exec(t)![1])), [...pm.validInds].slice(0, 3));

  const bare = synthPosterior({ truth: false, rawCounts: false });
  const f2 = plotSingleTrialRates(bare, { neurons: 1, trials: 1, width: 500, fontSize: 10 });
  assert.deepEqual(f2.data.map((t) => t.name), ["inferred rate"]);
  assert.equal(f2.layout.width, 500);
  assert.throws(() => plotSingleTrialRates(bare, { spikes: true }), (e: Error) => e instanceof ParamError && /no raw counts/.test(e.message));
  assert.throws(() => plotSingleTrialRates(bare, { truth: true }), /no true rates/);
  assert.throws(() => plotSingleTrialRates(pm, { neurons: [6] }), /neuron index 6 is out of range \[0, 5\]/);
  assert.throws(() => plotSingleTrialRates(pm, { trials: [-1] }), ParamError);
});

test("plotConditionAveragedFactors: one panel per factor, one line per condition, values are the condition means", () => {
  const pm = synthPosterior();
  const [n, T, F] = pm.factors.shape;
  const fig = plotConditionAveragedFactors(pm);
  assert.equal(fig.data.length, F * 3);
  assert.deepEqual(fig.data.slice(0, 3).map((t) => t.name), ["cond 1 (n=4)", "cond 2 (n=4)", "cond 3 (n=4)"]);
  assert.equal(fig.data.filter((t) => t.showlegend).length, 3);
  // factor 2, condition 2 (ids 2 → trials 1, 4, 7, 10), panel 3
  const tr = fig.data[2 * 3 + 1]!;
  assert.equal(tr.xaxis, "x3");
  const trials = Array.from({ length: n }, (_, i) => i).filter((i) => pm.conditionIds![i] === 2);
  const want = Array.from({ length: T }, (_, t) => r6(trials.reduce((s, i) => s + pm.factors.data[(i * T + t) * F + 2]!, 0) / trials.length));
  (tr.y as number[]).forEach((v, t) => assert.ok(Math.abs(v - want[t]!) < 1e-5, `t=${t}: ${v} vs ${want[t]}`));
  // colours: one per condition, the same in every panel
  assert.deepEqual(fig.data.filter((t) => t.name === "cond 1 (n=4)").map((t) => (t.line as { color: string }).color), Array(F).fill("#1f77b4"));

  // subsets: factors, conditions, validation trials only; grid with an empty cell
  const f2 = plotConditionAveragedFactors(pm, { factors: [0, 1, 3], conditions: [3, 1], trials: "valid", cols: 2 });
  assert.equal(f2.data.length, 3 * 2);
  assert.deepEqual(f2.data.slice(0, 2).map((t) => t.name), ["cond 3 (n=1)", "cond 1 (n=1)"]);
  assert.equal((f2.layout.xaxis4 as { visible: boolean }).visible, false);
  assert.throws(() => plotConditionAveragedFactors(pm, { conditions: [9] }), /condition 9 has no selected trial/);

  // without condition ids: one average over all trials
  const f3 = plotConditionAveragedFactors(synthPosterior({ conditions: false }), { factors: 2 });
  assert.deepEqual(f3.data.map((t) => t.name), ["all trials (n=12)", "all trials (n=12)"]);
});

test("plotFactorTrajectories3d: scatter3d per condition (PCA or chosen factors), start markers, single trials", () => {
  const pm = synthPosterior();
  const [, T, F] = pm.factors.shape;
  const fig = plotFactorTrajectories3d(pm);
  const lines = fig.data.filter((t) => t.type === "scatter3d" && t.mode === "lines");
  const starts = fig.data.filter((t) => t.mode === "markers");
  assert.equal(lines.length, 3);
  assert.equal(starts.length, 3);
  for (const l of lines) for (const k of ["x", "y", "z"]) assert.equal((l[k] as number[]).length, T);
  const scene = fig.layout.scene as Record<string, { title: { text: string } }>;
  assert.match(scene.xaxis!.title.text, /^PC1 \(\d+%\)$/);
  // PCs of centred data: each coordinate has mean ≈ 0 over all condition-averaged points
  const xs = lines.flatMap((l) => l.x as number[]);
  assert.ok(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length) < 1e-3);

  // projection "factors": the condition means of the chosen factors, as they are
  const f2 = plotFactorTrajectories3d(pm, { projection: "factors", dims: [3, 0, 1], singleTrials: 2, markStart: false, conditions: [2] });
  assert.equal(f2.data.length, 3); // 2 single trials + the mean
  const mean = f2.data[2]!;
  const trials = [1, 4, 7, 10];
  const want0 = r6(trials.reduce((s, i) => s + pm.factors.data[(i * T + 0) * F + 3]!, 0) / 4);
  assert.ok(Math.abs((mean.x as number[])[0]! - want0) < 1e-5);
  assert.deepEqual(f2.data[0]!.x, Array.from({ length: T }, (_, t) => r6(pm.factors.data[(1 * T + t) * F + 3]!)));
  assert.equal((f2.layout.scene as Record<string, { title: { text: string } }>).zaxis!.title.text, "factor 1");
  assert.throws(() => plotFactorTrajectories3d(synthPosterior({ nFactors: 2 })), /at least 3 factors/);
});

test("plotTrainingCurves: train/valid total + recon, weights on y2, LR on y3, LVE marked", () => {
  const log = synthFitLog(30, 10, { learningRate: true });
  const fig = plotTrainingCurves(log);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["total (train)", "total (valid)", "recon (train)", "recon (valid)", "KL weight", "L2 weight", "learning rate", `LVE (epoch ${log.lveIndex})`],
  );
  const [total] = byName(fig.data, "total (valid)");
  assert.deepEqual(total!.x, log.rows.map((r) => r.epoch));
  assert.deepEqual(total!.y, log.rows.map((r) => r6(r.total_valid)));
  assert.deepEqual(fig.data.filter((t) => t.yaxis === "y2").map((t) => t.name), ["KL weight", "L2 weight"]);
  assert.deepEqual(fig.data.filter((t) => t.yaxis === "y3").map((t) => t.name), ["learning rate"]);
  assert.equal((fig.layout.yaxis3 as { type: string }).type, "log");
  assert.deepEqual((fig.layout.yaxis2 as { range: number[] }).range, [0, 1.05]);
  const lve = fig.data[fig.data.length - 1]!;
  const lveRow = log.lveRow!;
  assert.deepEqual(lve.x, [lveRow.epoch]);
  assert.deepEqual(lve.y, [r6(lveRow.total_valid)]);
  assert.equal((fig.layout.annotations as { text: string }[])[0]!.text, "LVE");
  assert.match(fig.toText(), new RegExp(`30 epochs, LVE at epoch ${lveRow.epoch}`));

  // rows without validation costs and LR; explicit LR; x = step
  const rows = synthFitLog(8, 20).toRows().map((r) => ({ ...r, total_valid: NaN, recon_valid: NaN }));
  const f2 = plotTrainingCurves(rows, { x: "step", weights: false, recon: false });
  assert.deepEqual(f2.data.map((t) => t.name), ["total (train)"]);
  assert.deepEqual(f2.data[0]!.x, rows.map((r) => r.step));
  assert.match(f2.toText(), /no LVE yet/);
  const f3 = plotTrainingCurves(rows, { learningRate: rows.map(() => 0.01) });
  assert.equal(byName(f3.data, "learning rate").length, 1);
  assert.throws(() => plotTrainingCurves(rows, { learningRate: [1, 2] }), /learningRate has 2 values for 8 fit-log rows/);
  assert.throws(() => plotTrainingCurves([]), /no rows/);
});

test("plotTrainingCurves with diagnostics: KL and gradient-norm panels, learning rate from them, LVE and divergence lines", () => {
  const log = synthFitLogWithDiagnostics(30, 10, 22);
  const diagnostics = log.diagnostics!;
  const fig = plotTrainingCurves(log);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    [
      "total (train)", "total (valid)", "recon (train)", "recon (valid)", "KL weight", "L2 weight", "learning rate",
      "KL g0 (train)", "KL g0 (valid)", "grad norm (mean)", "grad norm (max)", "clip threshold", "clipped steps (%)",
      `LVE (epoch ${log.lveIndex})`, "divergence (1)",
    ],
    "u's KL is 0 throughout (no controller): not drawn",
  );
  assert.deepEqual(byName(fig.data, "learning rate")[0]!.y, diagnostics.map((d) => d.learning_rate));
  assert.deepEqual(byName(fig.data, "clipped steps (%)")[0]!.y, diagnostics.map((d) => 100 * d.clip_fraction));
  assert.deepEqual(new Set(byName(fig.data, "clip threshold")[0]!.y as number[]), new Set([200]));
  assert.deepEqual(fig.data.filter((t) => t.yaxis === "y4").map((t) => t.legend), ["legend2", "legend2"]);
  const L = fig.layout as Record<string, { domain?: number[]; type?: string; anchor?: string; overlaying?: string }>;
  assert.deepEqual([L.yaxis!.domain, L.yaxis4!.domain, L.yaxis5!.domain], [[0.5, 1], [0.27, 0.44], [0, 0.21]]);
  assert.equal(L.yaxis5!.type, "log");
  assert.equal(L.yaxis6!.overlaying, "y5");
  assert.equal(L.xaxis!.anchor, "y5", "epoch ticks under the bottom panel");
  const shapes = fig.layout.shapes as { x0: number; line: { dash: string } }[];
  assert.deepEqual(shapes.map((s) => [s.x0, s.line.dash]), [[log.lveIndex, "dot"], [22, "dash"]]);
  const ev = byName(fig.data, "divergence (1)")[0]!;
  assert.deepEqual([ev.x, ev.y, ev.text], [[22], [r6(log.rows[22]!.total_valid)], [diagnostics[22]!.event]]);
  assert.match(fig.toText(), /30 epochs, LVE at epoch \d+ \(valid [\d.]+\), 1 divergence event$/);
  // Off: the figure of a TF fit log.
  assert.equal(plotTrainingCurves(log, { diagnostics: false }).data.filter((t) => String(t.yaxis).match(/y[456]/)).length, 0);
});

test("plotTrainingCurves y range on a real fit log (notebook 01): the first epochs' drop is left out and named; yRange 'all' and logY keep it", () => {
  const log = loadFitLog(path.join(__dirname, "..", "train", "fixtures", "fitlog-notebook01.csv"));
  const fig = plotTrainingCurves(log);
  const range = (fig.layout.yaxis as { range?: number[] }).range!;
  const later = log.rows.slice(8).flatMap((r) => [r.total_train, r.total_valid, r.recon_train, r.recon_valid]);
  const all = log.rows.flatMap((r) => [r.total_train, r.total_valid, r.recon_train, r.recon_valid]);
  const [lo, hi] = [Math.min(...all), Math.max(...later)];
  assert.ok(Math.abs(range[0]! - (lo - 0.05 * (hi - lo))) < 1e-9 && Math.abs(range[1]! - (hi + 0.05 * (hi - lo))) < 1e-9, `range ${range} for values ${lo}…${hi}`);
  assert.ok(range[1]! < 500 && Math.max(...all) > 1100, "epoch 0's 1,105.8 would take 90% of the axis");
  const note = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.ok(note.includes("↑ epochs 0–3 above the axis (up to 1105.8)"), note.join(" | "));
  assert.equal((plotTrainingCurves(log, { yRange: "all" }).layout.yaxis as { range?: number[] }).range, undefined);
  assert.equal((plotTrainingCurves(log, { logY: true }).layout.yaxis as { range?: number[] }).range, undefined);
  assert.throws(() => plotTrainingCurves(log, { yRange: "zoom" as never }), /yRange must be "robust" or "all", got "zoom"/);
  // A short log whose drop is mild keeps plotly's autorange.
  assert.equal((plotTrainingCurves(log.rows.slice(40, 60)).layout.yaxis as { range?: number[] }).range, undefined);
});

test("plotAlignmentReconstruction: factors × conditions, one trace per dataset plus the global PC in black", () => {
  const res = computeAlignment(synthAlignmentInput(), { nFactors: 3 });
  const fig = plotAlignmentReconstruction(res, { factors: 2, conditions: 3, binMs: 10 });
  assert.equal(fig.data.length, 2 * 3 * 4);
  const global = byName(fig.data, "Global");
  assert.equal(global.length, 6);
  assert.ok(global.every((t) => (t.line as { color: string }).color === "#000000"));
  for (const ds of ["session1", "session2", "session3"]) assert.equal(byName(fig.data, ds).length, 6);
  const d = alignmentReconstructionData(res, { factors: 2, conditions: 3, binMs: 10 });
  // panel (factor 1, condition 2) = axis 6
  const p = d.panels[1]![2]!;
  const g6 = global[5]!;
  assert.equal(g6.xaxis, "x6");
  assert.deepEqual(g6.x, d.time);
  assert.deepEqual(g6.y, p.global.map((v) => (v === null ? null : r6(v))));
  assert.deepEqual(byName(fig.data, "session2")[5]!.y, p.datasets[1]!.values.map((v) => (v === null ? null : r6(v))));
  assert.deepEqual((fig.layout.annotations as { text: string }[]).map((a) => a.text), d.conditions.map((c) => c.label));
  assert.equal((fig.layout.yaxis as { title: { text: string } }).title.text, "Factor 1");
  // the data object works too
  assert.equal(plotAlignmentReconstruction(d).data.length, fig.data.length);
});

test("runDashboard: differing params only, status, best values in bold, extra columns, text form", () => {
  const rows = [
    { name: "run_a", paramHash: "a1b2c3", params: { c_co_dim: 0, c_factors_dim: 8, seed: 1 }, status: "trained", bestValidCost: 512.25, r2: 0.81, bitsPerSpike: 0.12, note: "x<y" },
    { name: "run_b", paramHash: "d4e5f6", params: { c_co_dim: 4, c_factors_dim: 8, seed: 1 }, status: "failed", bestValidCost: 498.5, r2: 0.85, bitsPerSpike: 0.1 },
    { name: "run_c", paramHash: "070809", params: { c_co_dim: 4, c_factors_dim: 8, seed: 2 }, status: "training" },
  ];
  const d = runDashboard(rows, { title: "Sweep" });
  assert.deepEqual(d.paramColumns, ["c_co_dim", "seed"]);
  const html = d.toHtml();
  const headers = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(headers, ["run", "param hash", "c_co_dim", "seed", "status", "best valid cost", "R²", "bits/spike", "note"]);
  assert.equal(count(html, "<tr>"), 4);
  assert.match(html, /<b>498\.5<\/b>/);
  assert.match(html, /<b>0\.85<\/b>/);
  assert.match(html, /<b>0\.12<\/b>/);
  assert.match(html, /color:#d62728">&#9679;<\/span> failed/);
  assert.match(html, /x&lt;y/);
  assert.match(html, /<caption[^>]*>Sweep<\/caption>/);
  const text = d.toText();
  assert.match(text, /^Sweep\nrun/);
  assert.match(text, /498\.5\*/);
  assert.equal(inspect(d), text);
  assert.deepEqual(runDashboard(rows, { allParams: true }).paramColumns, ["c_co_dim", "c_factors_dim", "seed"]);
  assert.deepEqual(runDashboard(rows, { paramColumns: ["c_factors_dim"] }).paramColumns, ["c_factors_dim"]);
  assert.match(runDashboard([]).toHtml(), /no runs/);
  assert.equal(bundleOf(d)["text/html"], html);
});

test("runDashboard: NLB columns co-bps, fp-bps, vel R², PSTH R² after bits/spike, the highest in bold", () => {
  const rows = [
    { name: "a", bitsPerSpike: 0.1, coBps: 0.2, fpBps: 0.05, velR2: 0.61, psthR2: 0.3 },
    { name: "b", bitsPerSpike: 0.2, coBps: 0.25, fpBps: 0.01, velR2: 0.55, psthR2: 0.42 },
  ];
  const html = runDashboard(rows).toHtml();
  const headers = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(headers, ["run", "bits/spike", "co-bps", "fp-bps", "vel R²", "PSTH R²"]);
  for (const best of ["0\\.25", "0\\.05", "0\\.61", "0\\.42"]) assert.match(html, new RegExp(`<b>${best}</b>`));
  assert.doesNotMatch(html, /<b>0\.55<\/b>|<b>0\.3<\/b>/);
});
