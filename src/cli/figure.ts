/**
 * `lfads figure <runDir> --plot <kind> --out <file.svg|png|pdf>`: one paper figure of a trained run
 * folder, drawn by the same builders as in a notebook (src/display/plots/) and exported through headless
 * Chromium (src/display/export/, the `fig.save()` path; written atomically):
 *
 *   rates         plotSingleTrialRates of the posterior means (spike raster and true rates when known)
 *   factors       plotConditionAveragedFactors
 *   trajectories  plotFactorTrajectories3d (a WebGL scene: embedded as a raster image in SVG and PDF)
 *   training      plotTrainingCurves of lfadsOutput/fitlog.csv (+ fitlog_diagnostics.csv: KLs, gradient norm, learning rate)
 *
 * There is no `dashboard` plot: the run dashboard (plots/dashboard.ts) is an HTML table across runs, not
 * a figure. Every option is checked, and Chromium found, before any file is read for drawing; nothing is
 * written on an error. TensorFlow-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import type { Figure } from "../display/plots/figure.js";
import type { PosteriorMeans } from "../posterior/posterior-means.js";
import { FITLOG_FILE, runInputDir, runOutputDir } from "../runs/layout.js";
import { UsageError, type ParsedArgs } from "./args.js";
import type { Command } from "./command.js";
import { PARAMS_OPTION, datasetOption, resolveRunDir, runDatasetNames, runParamsOf } from "./train.js";

/** The plots `--plot` takes. */
const FIGURE_PLOTS = ["rates", "factors", "trajectories", "training"] as const;
export type FigurePlot = (typeof FIGURE_PLOTS)[number];
const FORMATS = ["svg", "png", "pdf"] as const;
type Format = (typeof FORMATS)[number];

/** Options that only some plots use: which ones. */
const ONLY_FOR: Record<string, readonly FigurePlot[]> = {
  dataset: ["rates", "factors", "trajectories"],
  split: ["rates", "factors", "trajectories"],
  trials: ["rates", "factors", "trajectories"],
  kind: ["rates", "factors", "trajectories"],
  params: ["rates", "factors", "trajectories"],
  neurons: ["rates"],
};

/** `--name 0,3,5` → [0, 3, 5]: comma-separated non-negative integers, else a UsageError naming the option. */
function parseIndexList(name: string, raw: string, what: string): number[] {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => !/^\d+$/.test(s))) {
    throw new UsageError(`--${name} expects comma-separated 0-based ${what} indices such as 0,1,2; got '${raw}'`);
  }
  return parts.map(Number);
}

function positiveOption(args: ParsedArgs, name: string, unit: string): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !(v > 0)) throw new UsageError(`--${name} expects a positive number${unit}, got ${String(v)}`);
  return v;
}

/** Load one dataset's posterior means, with a "run lfads posterior first" error when the files are not there. */
async function loadPosterior(dir: string, args: ParsedArgs, names: readonly string[], datasetIndex: number): Promise<PosteriorMeans> {
  const params = runParamsOf(dir, args);
  const kind = typeof args.options["kind"] === "string" ? args.options["kind"] : params.posterior_mean_kind;
  const { loadPosteriorMeans, tfPosteriorFileNames, torchPosteriorFileNames } = await import("../posterior/read-posterior.js");
  const { isOutputDist } = await import("../model/observation/registry.js");
  const name = names[datasetIndex]!;
  const outDir = runOutputDir(dir);
  const candidates = [...tfPosteriorFileNames(name, "train", kind as "posterior_push_mean"), ...torchPosteriorFileNames(name)];
  if (!candidates.some((f) => fs.existsSync(path.join(outDir, f)))) {
    throw new LayoutError(
      `no posterior means of dataset ${name} (${kind}) in ${outDir} yet: run 'lfads posterior ${dir}'${args.options["kind"] !== undefined ? ` --kind ${kind}` : ""} first` +
        (fs.existsSync(path.join(outDir, FITLOG_FILE)) ? "" : " (after 'lfads train', which has not run here)"),
    );
  }
  const dist = String(params.c_output_dist);
  const [pm] = await loadPosteriorMeans({
    outputDir: outDir,
    inputDir: runInputDir(dir),
    datasetNames: [name],
    spikeBinMs: params.spikeBinMs,
    dataHash: params.dataHash,
    kind,
    ...(isOutputDist(dist) ? { outputDist: dist } : {}),
  });
  return pm!;
}

/** `--trials` checked against the dataset (in range, in `--split` when given, with outputs). */
function checkTrials(pm: PosteriorMeans, trials: readonly number[], split: "train" | "valid" | undefined): void {
  const has = pm.trialHasOutput;
  const valid = pm.validMask;
  for (const i of trials) {
    if (i >= pm.nTrials) throw new UsageError(`--trials: trial ${i} is out of range; dataset ${pm.datasetName} has ${pm.nTrials} trials (0–${pm.nTrials - 1})`);
    if (split !== undefined && (valid[i] === 1) !== (split === "valid")) {
      throw new UsageError(`--trials: trial ${i} is a ${valid[i] ? "validation" : "training"} trial, not in --split ${split}; drop --split or pick ${split} trials`);
    }
    if (has[i] !== 1) throw new UsageError(`--trials: trial ${i} has no posterior outputs (was 'lfads posterior' run with --max-trials?); pick another trial`);
  }
}

function splitTrials(pm: PosteriorMeans, split: "train" | "valid"): number[] {
  const has = pm.trialHasOutput;
  const inds = [...(split === "valid" ? pm.validInds : pm.trainInds)].filter((i) => has[i] === 1).sort((a, b) => a - b);
  if (inds.length === 0) throw new UsageError(`--split ${split}: dataset ${pm.datasetName} has no ${split === "valid" ? "validation" : "training"} trials with posterior outputs`);
  return inds;
}

/** The 3-D scene is drawn by WebGL; make sure it made it into the file rather than writing an empty frame. */
function checkSceneDrawn(bytes: Uint8Array, format: Format): void {
  const text = Buffer.from(bytes).toString("latin1");
  const ok = format === "png" ? bytes.length > 0 : format === "svg" ? /<image\b[^>]*data:image\/png/.test(text) : /\/Subtype\s*\/Image/.test(text);
  if (!ok) {
    throw new LayoutError(
      `the 3-D scene of --plot trajectories did not render into the ${format.toUpperCase()} (no WebGL image in it; this Chromium may lack WebGL); ` +
        `nothing was written; try --out <file>.png${format === "svg" ? " or .pdf" : ""}, or another Chromium (LFADS_CHROMIUM)`,
    );
  }
}

export const figureCommand: Command = {
  name: "figure",
  summary: "save a figure of a run folder (rates, factors, 3-D trajectories, training curves) as SVG, PNG or PDF",
  usage: "<runDir> --plot <rates|factors|trajectories|training> --out <file.svg|png|pdf> [options]",
  description: [
    "Draws one figure of a trained run folder with the notebook's plot builders and saves it through headless Chromium",
    "(Debian's `chromium`, found automatically; LFADS_CHROMIUM=/path/to/chromium to choose one):",
    "  rates         single-trial inferred rates per neuron and trial, with the spike raster and true rates when known",
    "  factors       condition-averaged factor time courses, one panel per factor",
    "  trajectories  condition-averaged factor trajectories in 3-D (top 3 PCs; needs 3+ factors; SVG/PDF embed the scene as an image)",
    "  training      training curves from lfadsOutput/fitlog.csv",
    "rates, factors and trajectories read the posterior means (run 'lfads posterior <runDir>' first). Sizes are CSS px",
    "(a PDF page is width × height px, 1 px = 0.75 pt); --scale multiplies the pixels of a PNG. Prints the path written.",
    "",
    "Examples:",
    "  lfads figure runs/example/param_YOs74u/single_dataset001 --plot rates --out rates.pdf --neurons 0,3,5 --trials 0,1",
    "  lfads figure runs/example/param_YOs74u/single_dataset001 --plot training --out curves.png --width 600 --scale 3",
  ].join("\n"),
  options: [
    { name: "plot", type: "string", valueName: "<plot>", choices: FIGURE_PLOTS, help: "rates, factors, trajectories or training (required)" },
    { name: "out", type: "string", short: "o", valueName: "<file>", help: "output file: .svg, .png or .pdf (required)" },
    { name: "dataset", type: "string", valueName: "<name|n>", help: "dataset: its name (dataset001) or 1-based position (default the first)" },
    { name: "split", type: "string", valueName: "train|valid", choices: ["train", "valid"], help: "only trials of this split (default: rates the first validation trials, factors/trajectories all trials)" },
    { name: "trials", type: "string", valueName: "<i,j,…>", help: "0-based trial indices in the original order, e.g. 0,1,2 (rates default: the first 3 of the split)" },
    { name: "neurons", type: "string", valueName: "<i,j,…>", help: "rates: 0-based neuron indices, e.g. 0,3,5 (default the first 4)" },
    { name: "kind", type: "string", valueName: "<kind>", choices: ["posterior_sample_and_average", "posterior_push_mean"], help: "which posterior means (default the run's posterior_mean_kind)" },
    { name: "width", type: "number", valueName: "<px>", help: "width in px (default: the figure's, else 800)" },
    { name: "height", type: "number", valueName: "<px>", help: "height in px (default: the figure's, else 450)" },
    { name: "font-size", type: "number", valueName: "<px>", help: "base font size in px (tick labels, titles and legends scale from it)" },
    { name: "font-family", type: "string", valueName: "<name>", help: "font family for all text, e.g. Arial or 'DejaVu Serif, serif'" },
    { name: "scale", type: "number", valueName: "<n>", help: "PNG pixel density: the image is width·n × height·n pixels (default 1; SVG/PDF are vector)" },
    PARAMS_OPTION,
  ],
  positionals: [1, 1],
  async run(args, io) {
    const o = args.options;
    // 1. Options, all before reading anything.
    if (typeof o["plot"] !== "string") throw new UsageError(`--plot is required: one of ${FIGURE_PLOTS.join(", ")}`);
    const plot = o["plot"] as FigurePlot;
    if (typeof o["out"] !== "string") throw new UsageError("--out is required: the file to write, ending in .svg, .png or .pdf");
    const out = path.resolve(o["out"]);
    const format = path.extname(out).slice(1).toLowerCase() as Format;
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--out must end in .svg, .png or .pdf; got '${o["out"]}'`);
    if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new UsageError(`--out '${o["out"]}' is a folder; give a file name ending in .${format}`);
    for (const [name, plots] of Object.entries(ONLY_FOR)) {
      if (o[name] !== undefined && !plots.includes(plot)) throw new UsageError(`--${name} does not apply to --plot ${plot} (it is for ${plots.join(", ")})`);
    }
    const width = positiveOption(args, "width", " of px");
    const height = positiveOption(args, "height", " of px");
    const fontSize = positiveOption(args, "font-size", " of px");
    const scale = positiveOption(args, "scale", "");
    const fontFamily = typeof o["font-family"] === "string" ? o["font-family"] : undefined;
    if (fontFamily !== undefined && fontFamily.trim() === "") throw new UsageError("--font-family is empty; give a font name such as Arial");
    const trials = typeof o["trials"] === "string" ? parseIndexList("trials", o["trials"], "trial") : undefined;
    const neurons = typeof o["neurons"] === "string" ? parseIndexList("neurons", o["neurons"], "neuron") : undefined;
    const split = typeof o["split"] === "string" ? (o["split"] as "train" | "valid") : undefined;
    if (scale !== undefined && format !== "png") io.err(`lfads figure: note: --scale applies to PNG only; the ${format.toUpperCase()} is vector and ignores it\n`);
    const dir = resolveRunDir(args.positionals[0]!);

    // 2. Chromium, before the (possibly slow) reading.
    const exporter = await import("../display/export/index.js");
    exporter.findChromium();

    // 3. The figure.
    let fig: Figure;
    if (plot === "training") {
      const outDir = runOutputDir(dir);
      const fitlog = path.join(outDir, FITLOG_FILE);
      if (!fs.existsSync(fitlog)) throw new LayoutError(`no ${fitlog} yet: train the run first ('lfads train ${dir}')`);
      const { loadFitLog } = await import("../posterior/fit-log.js");
      const { plotTrainingCurves } = await import("../display/plots/training.js");
      const { learningRatesOf } = await import("./plot-fitlog.js");
      const log = loadFitLog(outDir);
      if (log.nEpochs === 0) throw new LayoutError(`${fitlog} has no epochs yet; wait for the first epoch of training to finish`);
      const lr = log.diagnostics ? undefined : await learningRatesOf(outDir, log); // else the diagnostics' own
      fig = plotTrainingCurves(log, lr ? { learningRate: lr.map((v) => v ?? NaN) } : {});
    } else {
      const names = await runDatasetNames(dir);
      const datasetIndex = datasetOption(typeof o["dataset"] === "string" ? o["dataset"] : undefined, names);
      const pm = await loadPosterior(dir, args, names, datasetIndex);
      if (trials) checkTrials(pm, trials, split);
      const plots = await import("../display/plots/index.js");
      if (plot === "rates") {
        for (const n of neurons ?? []) {
          if (n >= pm.nNeurons) throw new UsageError(`--neurons: neuron ${n} is out of range; dataset ${pm.datasetName} has ${pm.nNeurons} neurons (0–${pm.nNeurons - 1})`);
        }
        const pick = trials ?? (split ? splitTrials(pm, split).slice(0, 3) : undefined);
        fig = plots.plotSingleTrialRates(pm, { ...(pick ? { trials: pick } : {}), ...(neurons ? { neurons } : {}) });
      } else {
        if (split && !trials) splitTrials(pm, split); // a clear error when the split has no trials
        const sel = trials ?? split;
        fig = plot === "factors" ? plots.plotConditionAveragedFactors(pm, sel ? { trials: sel } : {}) : plots.plotFactorTrajectories3d(pm, sel ? { trials: sel } : {});
      }
    }

    // 4. Export (atomic: nothing is left behind on a failure).
    const save = {
      ...(width !== undefined ? { width } : {}),
      ...(height !== undefined ? { height } : {}),
      ...(scale !== undefined ? { scale } : {}),
      ...(fontSize !== undefined ? { fontSize } : {}),
      ...(fontFamily !== undefined ? { fontFamily } : {}),
    };
    try {
      const bytes = await exporter.renderFigure(fig, format, save);
      if (plot === "trajectories") checkSceneDrawn(bytes, format);
      const { writeFileAtomic } = await import("../io/atomic.js");
      writeFileAtomic(out, bytes);
    } finally {
      await exporter.closeExporter();
    }
    io.out(`${out}\n`);
    return 0;
  },
};
