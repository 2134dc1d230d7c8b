// Outside a kernel every display falls back to text; these tests capture it through setTextOutput.
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { inKernel, setTextOutput } from "../../src/display/bridge.js";
import { bundleOf, newDisplay, saveHtml, show, showBundle } from "../../src/display/show.js";
import { attachRichDisplay } from "../../src/display/inspect.js";
import { progress } from "../../src/display/progress.js";
import { RunParams } from "../../src/params/run-params.js";
import { paramsToText } from "../../src/display/run-params.js";

function capture(isTTY = false): { text: () => string } {
  let buf = "";
  setTextOutput({ write: (t: string) => (buf += t), isTTY });
  return { text: () => buf };
}

afterEach(() => setTextOutput("stdout"));

test("not in a kernel here", () => {
  assert.equal(inKernel(), false);
});

test("show: text of displayables, tables for record arrays, inspect for the rest", () => {
  const out = capture();
  const par = new RunParams({ c_co_dim: 0 });
  show(par);
  show([{ a: 1, b: "x" }]);
  show({ k: [1, 2] });
  show("plain");
  showBundle({ "text/html": "<b>only html</b>" });
  assert.equal(
    out.text(),
    `${paramsToText(par)}\na  b\n-  -\n1  x\n{ k: [ 1, 2 ] }\nplain\n[text/html output: shown only in Jupyter]\n`,
  );
});

test("bundleOf merges toText, toHtml and toMimeBundle", () => {
  const fig = { toHtml: () => "<div/>", toMimeBundle: () => ({ "application/vnd.plotly.v1+json": { data: [] } }) };
  const b = bundleOf(fig);
  assert.deepEqual(Object.keys(b).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  assert.deepEqual(b["application/vnd.plotly.v1+json"], { data: [] });
});

test("setTextOutput to a file appends", () => {
  const dir = mkdtempSync(join(tmpdir(), "lfads-show-"));
  try {
    const file = join(dir, "out.txt");
    setTextOutput({ file });
    show("one");
    show("two");
    assert.equal(readFileSync(file, "utf8"), "one\ntwo\n");
    assert.match(readFileSync(saveHtml([{ x: 1 }], join(dir, "t.html")), "utf8"), /^<!DOCTYPE html>[\s\S]*<table class="lfads-table">/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("newDisplay: one line per changed update in a log, a redrawn line on a terminal", () => {
  const log = capture(false);
  const d = newDisplay();
  d.update("step 1");
  d.update("step 1");
  d.update("step 2");
  d.close();
  assert.equal(log.text(), "step 1\nstep 2\n");

  const tty = capture(true);
  const t = newDisplay();
  t.update("a");
  t.update("b");
  t.close();
  assert.equal(tty.text(), "\r\x1b[2Ka\r\x1b[2Kb\n");
});

test("progress: throttled updates, final line always written", () => {
  const out = capture(false);
  const p = progress({ total: 4, label: "fit", logIntervalMs: 60_000 });
  p.update(1, { cost: 2.5 });
  p.update(2, { cost: 2 }); // within the log interval: skipped
  p.finish({ message: "stopped" });
  const lines = out.text().trimEnd().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^fit \[#{5}\.{15}\] 1\/4 25% cost=2\.500 0s$/);
  assert.match(lines[1]!, /^fit \[#{10}\.{10}\] 2\/4 50% cost=2 0s stopped$/);
});

test("attachRichDisplay: adds renderers without overwriting, the class's own methods win", () => {
  class Thing {
    toText(): string {
      return "own text\nsecond line";
    }
  }
  attachRichDisplay(Thing.prototype, { text: () => "attached", html: () => "<i>t</i>" });
  const t = new Thing() as Thing & { toHtml(): string };
  assert.equal(t.toText(), "own text\nsecond line");
  assert.equal(t.toHtml(), "<i>t</i>");
  assert.equal(inspect(t), "own text\nsecond line");
  assert.equal(inspect({ t }), "{ t: own text }");
});
