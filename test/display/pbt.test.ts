/**
 * PBT's displays from a ledger with known values: the figure's traces (fitness and each hyperparameter per
 * member, the copies, the population's best; log axes for log-scale dimensions), the live table's rows and
 * HTML, the report section, and the figure drawn by real Chromium (SVG) with its panels' titles.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { closeExporter, findChromium } from "../../src/display/export/index.js";
import { pbtLedgerRows, pbtProgressHtml, pbtProgressLine } from "../../src/display/pbt-view.js";
import { plotPbt } from "../../src/display/plots/pbt.js";
import { pbtReportSection } from "../../src/display/report/pbt-section.js";
import { reportHtml } from "../../src/display/report/report.js";
import { PBT_LEDGER_FORMAT, type PbtLedger } from "../../src/runs/pbt-ledger.js";

const dir = mkdtempSync(join(tmpdir(), "lfads-pbt-display-"));
after(async () => {
  await closeExporter();
  rmSync(dir, { recursive: true, force: true });
});

const m = (member: string, lr: number, keep: number, fitness: number | null, copiedFrom: string | null = null, step: number | null = null) => ({ member, hyperparameters: { c_learning_rate_init: lr, c_keep_prob: keep }, copiedFrom, step, fitness });

function ledger(): PbtLedger {
  return {
    format: PBT_LEDGER_FORMAT, formatVersion: 1, startRun: "param_abcdef/single_dataset001", created: "2026-12-07T00:00:00Z",
    settings: {
      population: 2, generationSteps: 10, burnInSteps: 5, seed: 0, exploit: "tournament", exploitFraction: 0.25, smoothing: 0.7,
      searchSpace: [
        { name: "c_learning_rate_init", lo: 1e-5, hi: 5e-3, scale: "log", width: 0.3, enforceBounds: true },
        { name: "c_keep_prob", lo: 0.4, hi: 1, scale: "linear", width: 0.3, enforceBounds: true },
      ],
    },
    maxGenerations: 3,
    generations: [
      { generation: 0, targetStep: 15, applied: true, evaluated: true, members: [m("member_00", 1e-3, 0.9, 100, null, 15), m("member_01", 4e-3, 0.7, 90, null, 15)] },
      { generation: 1, targetStep: 25, applied: true, evaluated: true, members: [m("member_00", 3e-3, 0.8, 85, "member_01", 25), m("member_01", 4e-3, 0.7, 80, null, 25)] },
      { generation: 2, targetStep: 35, applied: true, evaluated: false, members: [m("member_00", 4e-3, 0.7, null, null, 30), m("member_01", 5e-3, 0.6, null, "member_00")] },
    ],
  };
}

test("plotPbt: a fitness panel and one per hyperparameter, a line per member, copies marked, the best per generation", () => {
  const fig = plotPbt(ledger());
  const fit = fig.data.filter((t) => t.yaxis === "y" && t.mode === "lines+markers");
  assert.deepEqual(fit.map((t) => t.name), ["member_00", "member_01"]);
  assert.deepEqual(fit[0]!.x, [1, 2, 3]);
  assert.deepEqual(fit[0]!.y, [100, 85, null]);
  const lr = fig.data.filter((t) => t.yaxis === "y2");
  assert.deepEqual(lr.map((t) => t.y), [[1e-3, 3e-3, 4e-3], [4e-3, 4e-3, 5e-3]]);
  assert.equal((fig.layout["yaxis2"] as { type?: string }).type, "log", "learning rate on a log axis");
  assert.notEqual((fig.layout["yaxis3"] as { type?: string }).type, "log", "keep probability linear");
  const copies = fig.data.filter((t) => t.name === "member_00 copied");
  assert.deepEqual(copies[0]!.x, [2]);
  assert.match(String((copies[0]!.text as string[])[0]), /member_00 took member_01's checkpoint/);
  assert.deepEqual(fig.data.find((t) => t.name === "best")!.y, [90, 80, null]);
  // Whole generations on every panel's x axis (ticks at 1, 2, 3; not 1.5).
  for (const key of ["xaxis", "xaxis2", "xaxis3"]) assert.deepEqual([(fig.layout[key] as { tick0?: number }).tick0, (fig.layout[key] as { dtick?: number }).dtick], [1, 1], key);
});

test("live table and report section: rows from the latest generation, states, the best member's scores", () => {
  const l = ledger();
  const rows = pbtLedgerRows(l);
  assert.deepEqual(rows.map((r) => [r.member, r.state, r.copiedFrom]), [["member_00", "queued", null], ["member_01", "queued", "member_00"]]);
  const p = { rcDir: "/x", generation: 2, maxGenerations: 3, phase: "training", elapsedMs: 65_000, members: rows, bestByGeneration: [90, 80], finished: false };
  assert.equal(pbtProgressLine(p), "pbt: generation 3/3 · training · best 80 · 1m05s");
  const html = pbtProgressHtml(p);
  assert.match(html, /<th[^>]*>c_learning_rate_init<\/th>/);
  assert.match(html, /member_01.*member_00/s);
  l.stopped = { generation: 1, reason: "improvement_ratio" };
  l.generations.pop();
  l.best = { member: "member_01", generation: 1, fitness: 80, hyperparameters: { c_learning_rate_init: 4e-3, c_keep_prob: 0.7 }, scores: [{ dataset: "dataset001", r2: 0.873, bitsPerSpike: 0.5 }] };
  assert.equal(pbtLedgerRows(l).find((r) => r.member === "member_01")!.state, "best");
  const section = pbtReportSection(l);
  assert.match(section.text!, /2 members, 2 generations of 10 steps/);
  assert.match(section.text!, /improvement-ratio rule/);
  assert.match(section.text!, /Best member: member_01 \(generation 2, fitness 80\) — dataset001: valid R² 0\.873, 0\.500 bits\/spike/);
  const page = reportHtml({ title: "r", sections: [section], generatedAt: false });
  assert.match(page, /Population-based training/);
  assert.match(page, /Plotly\.newPlot|plotly/i);
});

let skip: string | false = false;
try {
  findChromium();
} catch (e) {
  skip = (e as Error).message;
}

test("plotPbt draws in Chromium: an SVG with the panels' axis titles and a path per member line", { skip }, async () => {
  const file = join(dir, "pbt.svg");
  await plotPbt(ledger()).save(file);
  const svg = readFileSync(file, "utf8");
  for (const t of ["fitness", "c_learning_rate_init", "c_keep_prob", "generation"]) assert.ok(svg.includes(t), `${t} in the SVG`);
  assert.ok((svg.match(/class="js-line"/g) ?? []).length >= 6, "member lines drawn");
});
