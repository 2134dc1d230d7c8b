// Figure outputs as a notebook holds them, rendered in Chromium: the session's first figure carries
// plotly.js and later ones draw without it (PlotlyCarrier, the bridge's path to the kernel), in any order
// on the page and under classic Notebook's AMD `define`; with no carrier, the plot area says how to get
// it back and draws once the library arrives (showPlotlyJs's output).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Figure, plotTrainingCurves } from "../../src/display/plots/index.js";
import { PlotlyCarrier } from "../../src/display/plots/plotly-carrier.js";
import { PLOTLY_JS_END, PLOTLY_JS_START, plotlyBundlePath, plotlyScriptTag } from "../../src/display/plots/plotly-js.js";
import { closeExporter, findChromium } from "../../src/display/export/index.js";
import { withScratchPage } from "../../src/display/export/session.js";
import { synthFitLog } from "./plots-fixture.js";

let skip: string | false = false;
try {
  findChromium();
} catch (e) {
  skip = (e as Error).message;
}
if (skip) console.log(`# notebook figure render tests skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), "lfads-nb-plotly-test-"));
after(async () => {
  await closeExporter();
  rmSync(dir, { recursive: true, force: true });
});

/** The three outputs of a session, as the bridge sends them: the first carries plotly.js. */
function sessionOutputs(): { carrier: string; lean: string[] } {
  const c = new PlotlyCarrier();
  const html = (f: Figure) => c.prepare(f.toMimeBundle(), undefined, false)["text/html"] as string;
  const carrier = html(new Figure({ data: [{ y: [1, 2, 3] }], layout: { title: { text: "first" } } }));
  const lean = [html(plotTrainingCurves(synthFitLog(10, 3))), html(new Figure({ data: [{ type: "bar", y: [3, 1] }] }))];
  return { carrier, lean };
}

// Classic Notebook 6 has require.js (an anonymous define() from a UMD bundle would throw) and window.Jupyter.
const CLASSIC = "<script>window.define = function () { throw new Error('anonymous define() called'); }; window.define.amd = {}; window.Jupyter = { notebook: {} };</script>";

function page(name: string, head: string, outputs: readonly string[]): string {
  const file = join(dir, name);
  const cells = outputs.map((o) => `<div class="output_html">${o}</div>`).join("\n");
  writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${cells}</body></html>`);
  return pathToFileURL(file).href;
}

/** The body of the library's `<script>` (what showPlotlyJs() sends), to run as a frontend runs a new output's script. */
function libraryScript(): string {
  const lib = plotlyScriptTag();
  return lib.slice(lib.indexOf(">", PLOTLY_JS_START.length) + 1, lib.lastIndexOf(`</script>${PLOTLY_JS_END}`));
}

const STATE = `({
  plots: document.querySelectorAll(".lfads-plot").length,
  drawn: Array.prototype.filter.call(document.querySelectorAll(".lfads-plot"), function (d) { return d.querySelector(".main-svg") !== null; }).length,
  notes: Array.prototype.map.call(document.querySelectorAll(".lfads-plot-note"), function (n) { return n.textContent; }),
  warnings: document.querySelectorAll(".lfads-plot-warning").length,
  defineKept: typeof window.define === "function" && !!window.define.amd
})`;
interface PageState {
  plots: number;
  drawn: number;
  notes: string[];
  warnings: number;
  defineKept: boolean;
}

async function render(url: string, then?: (p: import("playwright-core").Page) => Promise<void>): Promise<{ errors: string[]; state: PageState }> {
  return withScratchPage(async (p) => {
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(e.message));
    await p.goto(url, { waitUntil: "load" });
    await p.waitForFunction("document.querySelectorAll('.lfads-plot .main-svg').length > 0 || document.querySelector('.lfads-plot-note') !== null", undefined, { timeout: 20_000 });
    if (then) await then(p);
    return { errors, state: (await p.evaluate(STATE)) as PageState };
  });
}

test("session outputs: one carries plotly.js, the others are a few kB", () => {
  const { carrier, lean } = sessionOutputs();
  assert.ok(carrier.includes(PLOTLY_JS_START) && carrier.length > 4_000_000);
  for (const l of lean) assert.ok(!l.includes(PLOTLY_JS_START) && l.length < 20_000, `lean output of ${l.length} chars`);
});

test("every figure draws when the carrier comes first or after them (nbconvert page, reopened notebook), under AMD define", { skip, timeout: 90_000 }, async () => {
  const { carrier, lean } = sessionOutputs();
  for (const [name, outputs] of [
    ["first.html", [carrier, ...lean]],
    ["middle.html", [lean[0]!, carrier, lean[1]!]],
    ["last.html", [...lean, carrier]],
  ] as const) {
    const r = await render(page(name, CLASSIC, outputs));
    assert.deepEqual(r.errors, [], name);
    // no "plotly.js left the notebook" warning: the carrier's <script> is on the page
    assert.deepEqual(r.state, { plots: 3, drawn: 3, notes: [], warnings: 0, defineKept: true }, name);
  }
});

test("no carrier on the page: each plot area says to run showPlotlyJs(), and draws once the library comes", { skip, timeout: 90_000 }, async () => {
  const { lean } = sessionOutputs();
  let before: PageState | undefined;
  const r = await render(page("none.html", "", lean), async (p) => {
    await p.waitForTimeout(5_500);
    before = (await p.evaluate(STATE)) as PageState;
    await p.addScriptTag({ content: libraryScript() });
    await p.waitForFunction("document.querySelectorAll('.lfads-plot[data-lfads-drawn]').length === 2", undefined, { timeout: 20_000 });
  });
  assert.equal(before!.drawn, 0);
  assert.equal(before!.notes.length, 2);
  for (const n of before!.notes) assert.match(n, /plotly\.js, which draws this figure, is in no output on this page.*Run showPlotlyJs\(\) from lfads-ts/);
  assert.deepEqual(r.errors, []);
  assert.deepEqual({ drawn: r.state.drawn, notes: r.state.notes }, { drawn: 2, notes: [] });
});

test("classic Notebook: a figure drawn while no output holds plotly.js (the carrier's cell re-run) warns under the plot until it is sent again", { skip, timeout: 60_000 }, async () => {
  const { lean } = sessionOutputs();
  // window.Plotly is still on the live page, from the carrier output that was cleared
  let before: PageState | undefined;
  const r = await render(page("rerun.html", `${CLASSIC}<script src="${pathToFileURL(plotlyBundlePath()).href}"></script>`, [lean[0]!]), async (p) => {
    before = (await p.evaluate(STATE)) as PageState;
    await p.addScriptTag({ content: libraryScript() }); // showPlotlyJs()'s output: the warning goes
  });
  assert.deepEqual(r.errors, []);
  assert.equal(before!.drawn, 1);
  assert.equal(before!.warnings, 1);
  assert.deepEqual({ drawn: r.state.drawn, warnings: r.state.warnings }, { drawn: 1, warnings: 0 });
});
