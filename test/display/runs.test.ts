// HTML views of Dataset, DatasetCollection, RunSpec, RunCollection and Run (src/display/datasets.ts, runs.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import { array3d } from "../../src/core/array3d.js";
import { setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { RunParams } from "../../src/params/run-params.js";
import { generateSweep } from "../../src/params/sweep.js";
import { RunCollection } from "../../src/facade/runs.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import { bundleOf } from "../../src/display/show.js";
import { datasetCollectionToHtml, datasetToHtml, htmlTable } from "../../src/display/datasets.js";
import { runCollectionToHtml, runDiskStatus, runSpecToHtml, runToHtml } from "../../src/display/runs.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-display-runs-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

// The docs' c_factors_dim sweep (seed 001) and its hashes.
const BASE = new RunParams({ c_learning_rate_stop: 0.001, c_batch_size: 150, c_co_dim: 0, c_ic_enc_dim: 64, c_gen_dim: 64 });
const HASHES = [
  ["param_Z1-4Ne", "data_cq1HAe"],
  ["param_UEvXAB", "data_QcdNGf"],
  ["param_m8Dk5i", "data_y3K_k3"],
  ["param_YOs74u", "data_4MaTKO"],
];

/** Datasets with in-memory data (12 trials, nCh channels, 20 × 1-ms bins) and their metadata. */
function collection(folder: string, channels: readonly number[] = [3, 4], name = "lorenz_example"): DatasetCollection {
  const dc = new DatasetCollection(folder, name);
  channels.forEach((nCh, i) => {
    const nTrials = 12;
    new Dataset(dc, `dataset00${i + 1}.h5`, {
      load: () => ({
        counts: array3d(Uint8Array.from({ length: nTrials * nCh * 20 }, (_, k) => k % 3 === 0 ? 1 : 0), [nTrials, nCh, 20]),
        subject: "lorenz_example",
        datetime: `2018-01-3${i}`,
        saveTags: [1, 2],
      }),
    });
  });
  return dc;
}

/** The HTML with tags removed, whitespace collapsed (for reading cell contents in order). */
function textOf(html: string): string {
  return html
    .replace(/<\/?(b|span|code)\b[^>]*>/g, "")
    .replace(/<[^>]*>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Cells of every body row of the `n`th table (0-based) as text. */
function tableRows(html: string, n = 0): string[][] {
  const table = html.split("<table").slice(1)[n];
  assert.ok(table, `table ${n} exists`);
  const body = table.slice(table.indexOf("<tbody>"), table.indexOf("</tbody>"));
  return body
    .split("<tr>")
    .slice(1)
    .map((r) => r.split("<td").slice(1).map((c) => textOf(`<td${c}`)));
}

function assertNoScripts(html: string): void {
  assert.ok(!/<script|<style|<link|javascript:/i.test(html), "self-contained: no script, style or link elements");
}

test("DatasetCollection: name, path and the info table; a note while info is not loaded", async () => {
  const dc = collection(path.join(tmp, "ds-a"));
  const before = datasetCollectionToHtml(dc);
  assert.match(before, /2 of 2 datasets have no info loaded yet/);
  assert.match(before, /await dc\.loadInfo\(\)/);
  assert.deepEqual(tableRows(before)[0], ["1", "dataset001", "", "", "", "", ""]);

  await dc.loadInfo();
  const html = dc.toHtml();
  assertNoScripts(html);
  assert.match(textOf(html), /^LFADS\.DatasetCollection "lorenz_example" · 2 datasets path .*ds-a/);
  assert.ok(!/no info loaded/.test(html));
  assert.deepEqual(tableRows(html), [
    ["1", "dataset001", "lorenz_example", "2018-01-30", "1,2", "12", "3"],
    ["2", "dataset002", "lorenz_example", "2018-01-31", "1,2", "12", "4"],
  ]);
  // Same columns as the text info table.
  const { rows } = await dc.infoTable();
  assert.deepEqual(
    tableRows(html).map((r) => r.slice(1)),
    rows.map((r) => [r.name, r.subject, r.date, r.saveTags, String(r.nTrials), String(r.nChannels)]),
  );
  // The text view is the class's own MATLAB-style display.
  assert.equal(dc.toText(), dc.toString());
  assert.equal(inspect(dc), dc.toString());
  const b = bundleOf(dc);
  assert.equal(b["text/plain"], dc.toString());
  assert.equal(b["text/html"], html);
});

test("Dataset: file, collection position and info", async () => {
  const dc = collection(path.join(tmp, "ds-b"));
  const ds = dc.datasets[1]!;
  assert.match(datasetToHtml(ds), /Info not loaded yet/);
  await ds.loadInfo();
  const html = ds.toHtml();
  assert.match(textOf(html), /^LFADS\.Dataset "dataset002" · in collection "lorenz_example" \(#2\) file .*dataset002\.h5/);
  assert.deepEqual(tableRows(html), [["lorenz_example", "2018-01-31", "1,2", "12", "4"]]);
  assert.equal(ds.toText(), ds.toString());
  const loose = new Dataset(undefined, "loose.h5");
  assert.match(textOf(loose.toHtml()), /not in a collection/);
});

test("every user-supplied string is escaped", async () => {
  const evil = `<img src=x onerror="alert(1)">&`;
  const dc = new DatasetCollection(path.join(tmp, `ds-<i>`), `dc ${evil}`);
  dc.comment = evil;
  new Dataset(dc, "x<b>y.h5", { load: () => ({ counts: array3d(new Uint8Array(10 * 2 * 4), [10, 2, 4]), subject: evil, saveTags: ["<t>"] }) });
  await dc.loadInfo();
  const rc = new RunCollection(path.join(tmp, "runs-<u>"), `rc<s>&"`, dc);
  rc.comment = evil;
  rc.addParams(new RunParams({ name: evil, c_factors_dim: 4 }));
  rc.addRunSpec(new RunSpec(`spec<script>`, dc, 1));
  for (const html of [dc.toHtml(), dc.datasets[0]!.toHtml(), rc.toHtml(), rc.runSpecs[0]!.toHtml(), rc.runs[0]![0]!.toHtml()]) {
    assertNoScripts(html);
    for (const raw of ["<img", "<b>y", "<i>", "<u>", "<s>", "<t>", "<script>"]) assert.ok(!html.includes(raw), `unescaped ${raw}`);
    assert.ok(!/onerror="/.test(html), "attribute quotes escaped");
  }
  const html = rc.toHtml();
  assert.ok(html.includes("rc&lt;s&gt;&amp;&quot;"));
  assert.ok(html.includes("spec&lt;script&gt;"));
  assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"));
  assert.ok(dc.toHtml().includes("x&lt;b&gt;y"));
});

test("RunCollection: header, params table with the docs' hashes, run specs, runs grid; text view unchanged", () => {
  const dc = collection(path.join(tmp, "ds-c"), [3, 4, 5]);
  const rc = new RunCollection(path.join(tmp, "runs-c"), "example", dc);
  const empty = rc.toHtml();
  assert.match(empty, /None yet: .*rc\.addParams/);
  assert.ok(!/lfads-runs-grid/.test(empty));

  rc.addParams(generateSweep(BASE, { c_factors_dim: [2, 4, 6, 8] }));
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  rc.addRunSpec(new RunSpec("all", dc, [1, 3]));
  const html = rc.toHtml();
  assertNoScripts(html);
  assert.match(textOf(html), /^LFADS\.RunCollection "example" · 8 runs total \(4 params × 2 run specs\) path .*runs-c\/example · version 20171107 dataset collection "lorenz_example" \(3 datasets\) in .*ds-c/);

  const params = tableRows(html, 0);
  assert.equal(params.length, 4);
  params.forEach((row, i) => {
    const k = [2, 4, 6, 8][i]!;
    assert.deepEqual(row.slice(0, 5), [String(i + 1), HASHES[i]![0], HASHES[i]![1], rc.params[i]!.name, `c_factors_dim=${k}`]);
    assert.equal(row[5], rc.params[i]!.shortDifferences());
  });
  assert.match(html, /swept<\/th>/);

  assert.deepEqual(tableRows(html, 1), [
    ["1", "single_dataset001", "1", "[1] dataset001"],
    ["2", "all", "2", "[1] dataset001, [3] dataset003"],
  ]);

  // Grid: params × run specs, nothing on disk yet.
  const grid = tableRows(html, 2);
  assert.deepEqual(
    grid.map((r) => r.slice(0, 2)),
    HASHES.map(([p], i) => [String(i + 1), p!]),
  );
  assert.ok(grid.every((r) => r[2] === "not prepared" && r[3] === "not prepared"));
  assert.match(html, /Runs <span[^>]*>8 not prepared<\/span>/);
  // Each grid cell's tooltip names the run folder.
  assert.ok(html.includes(`title="run prepare() to write the LFADS input files\n${rc.runs[1]![3]!.path}"`));

  assert.equal(rc.toText(), rc.toString());
  assert.equal(inspect(rc), rc.toString());
  assert.match(rc.toText(), /^LFADS\.RunCollection "example" \(8 runs total\)\n/);
});

test("run state read from disk: not prepared → prepared → partly trained → failed → trained", async () => {
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  try {
    const dc = collection(path.join(tmp, "ds-d"), [3]);
    const rc = new RunCollection(path.join(tmp, "runs-d"), "states", dc);
    rc.addParams([BASE.with({ c_batch_size: 2, c_factors_dim: 2 }), BASE.with({ c_batch_size: 2, c_factors_dim: 4 })]);
    rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
    const [a, b] = rc.runList as [NonNullable<(typeof rc.runList)[0]>, NonNullable<(typeof rc.runList)[0]>];
    assert.equal(runDiskStatus(a).state, "not prepared");

    await rc.prepare();
    assert.deepEqual(warnings, []);
    assert.deepEqual(runDiskStatus(a), { state: "prepared", detail: "LFADS input files in place" });

    fs.mkdirSync(a.pathLFADSOutput, { recursive: true });
    fs.writeFileSync(path.join(a.pathLFADSOutput, "lfads_vae.ckpt-40.h5"), "");
    fs.writeFileSync(path.join(a.pathLFADSOutput, "lfads_vae_lve.ckpt-120.h5"), "");
    assert.deepEqual(runDiskStatus(a), { state: "partly trained", detail: "latest checkpoint at step 120" });
    fs.writeFileSync(path.join(a.path, "lfads.failed"), "stage: train\n");
    assert.equal(runDiskStatus(a).state, "failed");
    fs.writeFileSync(path.join(a.path, "lfads.done.train"), "");
    assert.deepEqual(runDiskStatus(a), { state: "trained", detail: "trained; posterior not sampled yet" });
    fs.writeFileSync(a.fileLFADSDone, "");
    assert.deepEqual(runDiskStatus(a), { state: "trained", detail: "trained and posterior sampled (lfads.done)" });

    // A deleted input file leaves a dangling link: not prepared any more.
    fs.rmSync(b.lfadsInputFiles[0]!);
    assert.equal(runDiskStatus(b).state, "not prepared");
    assert.match(runDiskStatus(b).detail, /1 of 2 input links present/);

    const html = runCollectionToHtml(rc);
    assert.deepEqual(
      tableRows(html, 2).map((r) => r[2]),
      ["trained", "not prepared"],
    );
    assert.match(html, /Runs <span[^>]*>1 not prepared · 1 trained<\/span>/);
    assert.match(html, /background:#2E7D32;color:#fff/);

    // The Run view: state, folders relative to the collection, params and datasets.
    const runHtml = runToHtml(a);
    assertNoScripts(runHtml);
    const t = textOf(runHtml);
    assert.match(t, /^LFADS\.Run "single_dataset001" · 1 dataset · trained in run collection "states" /);
    assert.deepEqual(tableRows(runHtml, 0), [
      ["run folder", `${a.paramsString}/single_dataset001`],
      ["data", `${a.params.dataHashString}/single_dataset001`],
      ["lfadsInput", `${a.paramsString}/single_dataset001/lfadsInput`],
      ["lfadsOutput", `${a.paramsString}/single_dataset001/lfadsOutput`],
    ]);
    assert.ok(t.includes(`params #1 ${a.paramsString} ${a.params.dataHashString} ${a.params.shortDifferences()}`));
    assert.match(runHtml, /<details[^>]*><summary[^>]*>all parameters<\/summary><div class="lfads-runparams"/);
    assert.equal(runHtml.match(/<table/g)!.length, 4, "paths, two params tables, datasets");
    const dsRows = tableRows(runHtml, 3);
    assert.deepEqual(dsRows, [["1", "dataset001", "lorenz_example", "2018-01-30", "1,2", "12", "3"]]);
    assert.equal(a.toText(), a.toString());
  } finally {
    setWarningSink(prev);
  }
});

test("RunSpec: datasets with their collection indices", async () => {
  const dc = collection(path.join(tmp, "ds-e"), [3, 4, 5]);
  const s = new RunSpec("pair", dc, [3, 1]);
  assert.match(runSpecToHtml(s), /2 of 2 datasets have no info loaded yet/);
  await dc.loadInfo();
  const html = s.toHtml();
  assert.match(textOf(html), /^LFADS\.RunSpec "pair" · 2 datasets from collection "lorenz_example"/);
  assert.deepEqual(
    tableRows(html).map((r) => r.slice(0, 2).concat(r.slice(5))),
    [
      ["3", "dataset003", "12", "5"],
      ["1", "dataset001", "12", "3"],
    ],
  );
  assert.equal(s.toText(), s.toString());
});

test("long tables are cut with a note", () => {
  const rows = Array.from({ length: 205 }, (_, i) => [{ html: String(i) }]);
  const html = htmlTable(["i"], rows);
  assert.equal(html.match(/<tr>/g)!.length, 201, "header + 200 rows");
  assert.match(html, /… 5 more rows \(205 total\) not shown/);
  assert.ok(!/more rows/.test(htmlTable(["i"], rows.slice(0, 3))));
});
