import { test } from "node:test";
import assert from "node:assert/strict";
import { renderTableHtml, renderTableText, formatCell } from "../../src/display/table.js";
import { asTable } from "../../src/display/table-view.js";
import { ParamError } from "../../src/core/errors.js";

const rows = [
  { dataset: "dataset001", nTrials: 1820, rate: 12.3456789, ok: true },
  { dataset: "<b>x</b>", nTrials: 5, rate: null, ok: false },
  { dataset: "dataset003", nTrials: 40, rate: 0.5, ok: true },
];

test("HTML: all columns, numbers right-aligned, text escaped, nulls empty", () => {
  const html = renderTableHtml(rows);
  assert.match(html, /^<table class="lfads-table">/);
  assert.match(html, /<th style="text-align:left;">dataset<\/th><th style="text-align:right;">nTrials<\/th>/);
  assert.ok(html.includes("&lt;b&gt;x&lt;/b&gt;"));
  assert.ok(html.includes(">12.3457</td>"));
  assert.match(html, /<td style="text-align:right;"><\/td>/);
  assert.ok(!html.includes("lfads-table-note"));
});

test("HTML options: columns with labels, formatters, alignment, limit/offset note, class, style, no escaping", () => {
  const html = renderTableHtml(rows, {
    columns: [{ name: "dataset", label: "Dataset", title: (v) => `name ${String(v)}` }, "rate"],
    format: { rate: (v) => (v === null ? "—" : (v as number).toFixed(1)) },
    align: { dataset: "center" },
    limit: 1,
    offset: 1,
    className: "t",
    style: { table: "border:0", td: "padding:0", row: (i) => (i === 1 ? "color:red" : undefined) },
    escape: false,
    caption: "<i>c</i>",
  });
  assert.match(html, /^<table class="t" style="border:0">\n<caption><i>c<\/i><\/caption>/);
  assert.ok(html.includes(">Dataset</th>"));
  assert.ok(html.includes('<tr style="color:red"><td style="text-align:center;padding:0" title="name &lt;b&gt;x&lt;/b&gt;"><b>x</b></td>'));
  assert.ok(html.includes(">—</td>"));
  assert.ok(!html.includes("dataset001"));
  assert.match(html, /… 1 row before, 1 row more \(3 total\)/);
});

test("column data (typed arrays) and unknown columns", () => {
  const cols = { t: Float32Array.from([0, 0.5]), n: [1, 2] };
  assert.equal(renderTableText(cols), "  t  n\n---  -\n  0  1\n0.5  2");
  assert.throws(() => renderTableHtml(cols, { columns: ["tt"] }), (e: unknown) => e instanceof ParamError && /unknown column 'tt'\. Did you mean 't'\?/.test((e as Error).message));
});

test("text: aligned columns, a rule, and the note", () => {
  const text = renderTableText(rows, { limit: 2 });
  assert.equal(
    text,
    ["dataset     nTrials     rate  ok", "----------  -------  -------  -----", "dataset001     1820  12.3457  true", "<b>x</b>          5           false", "… 1 row more (3 total)"].join("\n"),
  );
});

test("formatCell and asTable", () => {
  assert.equal(formatCell([1, 2.5]), "[1, 2.5]");
  assert.equal(formatCell(new Array(10).fill(0)), "[10 items]");
  assert.equal(formatCell(new Date(0)), "1970-01-01T00:00:00.000Z");
  assert.equal(formatCell(undefined, 6, "NA"), "NA");
  const t = asTable(rows, { limit: 1 });
  assert.match(t.toHtml(), /dataset001/);
  assert.match(t.toText(), /1820/);
});
