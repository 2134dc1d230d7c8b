/**
 * `lfads plot-fitlog <save_dir> [--out file.svg|png|pdf|html]`: the training curves a TF LFADS user
 * watches in TensorBoard, from `fitlog.csv` — train/valid total and reconstruction costs, the KL and L2
 * ramp weights, the learning rate (rebuilt from the newest checkpoint's schedule state and the decay
 * factor in hyperparameters-<step>.txt), and the KL and L2 costs — as an HTML report (default
 * `<save_dir>/training_curves.html`, no browser needed) or a two-panel SVG/PNG/PDF (through Chromium).
 * Works on a run_lfads.py save folder, a Run Manager run folder (its lfadsOutput/) or a fitlog.csv.
 * TensorFlow-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import { readH5 } from "../io/h5.js";
import type { FitLog } from "../posterior/fit-log.js";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";
import { readNewestHyperparameters } from "../train/hyperparameters.js";
import { newestListedCheckpoint } from "../runs/checkpoint-index.js";
import { CHECKPOINTS, FITLOG_FILE, LFADS_OUTPUT_DIR, runOutputDir } from "../runs/layout.js";

/** The folder holding fitlog.csv (and checkpoints) for a save folder, a run folder, or a fitlog.csv path. */
export function fitlogFolder(target: string): string {
  const t = path.resolve(target);
  if (!fs.existsSync(t)) throw new LayoutError(`not found: ${t}`);
  if (!fs.statSync(t).isDirectory()) return path.dirname(t);
  if (!fs.existsSync(path.join(t, FITLOG_FILE)) && fs.existsSync(path.join(runOutputDir(t), FITLOG_FILE))) return runOutputDir(t);
  return t;
}

/** JSON with the `__num:` encoding of ±Infinity/NaN that checkpoints use for the learning-rate history. */
function parseState(s: string): unknown {
  return JSON.parse(s, (_k, x: unknown) => (typeof x === "string" && x.startsWith("__num:") ? Number(x.slice(6)) : x));
}

/**
 * Learning rate during each fit-log epoch, from the newest rolling checkpoint's schedule (its history
 * has one entry per epoch, +∞ where the rate was decayed after that epoch) and the decay factor.
 * Undefined when there is no checkpoint or no hyperparameters file; null for epochs it does not cover.
 */
export async function learningRatesOf(dir: string, log: FitLog): Promise<(number | null)[] | undefined> {
  const ckpt = newestListedCheckpoint(dir, CHECKPOINTS.rolling.index);
  const hps = readNewestHyperparameters(dir)?.values;
  const factor = Number(hps?.["learning_rate_decay_factor"]);
  if (!ckpt || !(factor > 0 && factor <= 1)) return undefined;
  let state: { lr?: { learningRate?: number; history?: number[] } } | undefined;
  try {
    state = await readH5(ckpt, (f) => {
      const a = f.attrs["trainer_state"];
      return a ? (parseState(String(a.value)) as typeof state) : undefined;
    });
  } catch {
    return undefined;
  }
  const lr = state?.lr;
  if (!lr || typeof lr.learningRate !== "number" || !Array.isArray(lr.history)) return undefined;
  const decaysAfter = lr.history.map((h) => (h === Infinity ? 1 : 0));
  const total = decaysAfter.reduce((a: number, b) => a + b, 0);
  const init = lr.learningRate / factor ** total;
  return log.rows.map((r) => {
    if (!(r.epoch >= 0 && r.epoch <= lr.history!.length)) return null;
    const before = decaysAfter.slice(0, r.epoch).reduce((a: number, b) => a + b, 0);
    return init * factor ** before;
  });
}

export const plotFitlogCommand: Command = {
  name: "plot-fitlog",
  summary: "plot the training curves of fitlog.csv (costs, KL/L2 weights and costs, learning rate) as HTML, SVG, PNG or PDF",
  usage: "<save_dir | run dir | fitlog.csv> [--out <file.html|svg|png|pdf>] [--x epoch|step]",
  description: [
    "The curves a TF LFADS user watches in TensorBoard, from the fit log that training appends to every epoch:",
    "train/valid total and reconstruction costs with the lowest-validation-error epoch marked, the KL and L2 ramp",
    "weights, the learning rate (from the newest checkpoint), and the KL and L2 costs. HTML needs no browser;",
    "SVG, PNG and PDF are drawn by headless Chromium (LFADS_CHROMIUM=/path/to/chromium to choose one).",
    "",
    "Example:",
    "  lfads plot-fitlog /tmp/lfads_chaotic_rnn_inputs_g2p5 --out curves.pdf",
  ].join("\n"),
  options: [
    { name: "out", type: "string", short: "o", valueName: "<file>", help: "output file (.html, .svg, .png or .pdf; default <save_dir>/training_curves.html)" },
    { name: "x", type: "string", valueName: "<axis>", choices: ["epoch", "step"], help: "x axis: epoch (default) or step" },
    { name: "title", type: "string", valueName: "<text>", help: "title (default: the folder name)" },
  ],
  positionals: [1, 1],
  async run(args, io) {
    const dir = fitlogFolder(args.positionals[0]!);
    const out = path.resolve(typeof args.options.out === "string" ? args.options.out : path.join(dir, "training_curves.html"));
    const ext = path.extname(out).slice(1).toLowerCase();
    if (!["html", "htm", "svg", "png", "pdf"].includes(ext)) throw new UsageError(`--out must end in .html, .svg, .png or .pdf; got '${out}'`);
    const { loadFitLog } = await import("../posterior/fit-log.js");
    const { plotTrainingCurves } = await import("../display/plots/training.js");
    const { Figure } = await import("../display/plots/figure.js");
    const log = loadFitLog(dir);
    if (log.nEpochs === 0) throw new LayoutError(`${path.join(dir, FITLOG_FILE)} has no epochs yet`);
    const x = args.options.x === "step" ? "step" : "epoch";
    const title = typeof args.options.title === "string" ? args.options.title : path.basename(path.basename(dir) === LFADS_OUTPUT_DIR ? path.dirname(dir) : dir);
    // lfads-ts runs log the learning rate in fitlog_diagnostics.csv; older ones rebuild it from the checkpoint.
    const lr = log.diagnostics ? undefined : await learningRatesOf(dir, log);
    const curves = plotTrainingCurves(log, { x, title: `${title}: costs`, ...(lr ? { learningRate: lr.map((v) => v ?? NaN) } : {}) });
    const xs = log.rows.map((r) => r[x]);
    const line = (name: string, y: number[], color: string, dash: string, yaxis = "y") => ({ type: "scatter", mode: "lines", name, x: xs, y: y.map((v) => (Number.isFinite(v) ? v : null)), yaxis, line: { color, dash, width: 2 } });
    const klL2 = new Figure(
      {
        data: [
          line("KL (train)", log.rows.map((r) => r.kl_train), "#1f77b4", "solid"),
          ...(log.hasValid ? [line("KL (valid)", log.rows.map((r) => r.kl_valid), "#ff7f0e", "solid")] : []),
          line("L2 cost", log.rows.map((r) => r.l2), "#2ca02c", "dot", "y2"),
        ],
        layout: {
          title: { text: `${title}: KL and L2 costs (unramped)` },
          xaxis: { title: { text: x } },
          yaxis: { title: { text: "KL (nats / trial)" }, automargin: true },
          yaxis2: { title: { text: "L2 cost" }, overlaying: "y", side: "right", showgrid: false, automargin: true },
          height: 380, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" }, margin: { l: 70, r: 70, t: 90, b: 50 },
        },
      },
      `Figure "KL and L2 costs": ${log.nEpochs} epochs`,
    );
    if (ext === "html" || ext === "htm") {
      const { writeReport } = await import("../display/report/report.js");
      const last = log.rows[log.rows.length - 1]!;
      const lve = log.lveRow;
      writeReport(out, {
        title: `Training curves: ${title}`,
        subtitle: path.join(dir, FITLOG_FILE),
        sections: [
          {
            heading: "Costs",
            text: `${log.nEpochs} epochs, ${last.step} steps. Last epoch: total ${last.total_train.toFixed(2)} (train) / ${last.total_valid.toFixed(2)} (valid), recon ${last.recon_train.toFixed(2)} / ${last.recon_valid.toFixed(2)} nats per trial.` +
              (lve ? ` Lowest validation error (after the ramps) at epoch ${lve.epoch}: ${lve.total_valid.toFixed(2)}.` : " No lowest-validation-error epoch yet (ramps unfinished)."),
            figure: curves,
          },
          { heading: "KL and L2", figure: klL2 },
        ],
      });
    } else {
      const { savePanels, closeExporter } = await import("../display/export/index.js");
      try {
        await savePanels([curves, klL2], out, { cols: 1, panelWidth: 900, panelHeight: 420 });
      } finally {
        await closeExporter();
      }
    }
    io.out(`${log.nEpochs} epochs → ${out}\n`);
    return 0;
  },
};
