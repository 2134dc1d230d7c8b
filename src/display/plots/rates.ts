/**
 * Single-trial inferred rates against the spike raster and, when known, the true rates: a grid with one
 * row per neuron and one column per trial.
 */
import { ParamError } from "../../core/errors.js";
import type { PosteriorMeans } from "../../posterior/posterior-means.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyLayout, type PlotlyTrace } from "./figure.js";
import { makeGrid, num, pickIndices, series } from "./layout.js";

export interface SingleTrialRatesOptions extends FigureStyle {
  /** A count n (the first n neurons) or 0-based neuron indices. Default: the first min(4, nNeurons). */
  neurons?: number | readonly number[];
  /**
   * 0-based trial indices (original trial order), or a count n: the first n validation trials that have
   * outputs (training trials when there are no validation trials). Default 3.
   */
  trials?: number | readonly number[];
  /** Draw the spike raster (default: when the PosteriorMeans has raw counts). */
  spikes?: boolean;
  /** Draw the true rates (default: when the PosteriorMeans has `truth`). */
  truth?: boolean;
  /** Colours of the inferred rate, the true rate and the spike ticks. */
  colors?: { inferred?: string; truth?: string; spikes?: string };
}

const DEFAULT_COLORS = { inferred: "#1f77b4", truth: "#222222", spikes: "#888888" };

function defaultTrials(pm: PosteriorMeans, n: number): number[] {
  const has = pm.trialHasOutput;
  const pool = [...(pm.validInds.length > 0 ? pm.validInds : pm.trainInds)].filter((i) => has[i] === 1).sort((a, b) => a - b);
  const src = pool.length > 0 ? pool : Array.from({ length: pm.nTrials }, (_, i) => i);
  return src.slice(0, n);
}

/**
 * Inferred firing rates (spikes/s) of chosen neurons on chosen trials, with each trial's spikes as a
 * raster of ticks below the curves and the true rates (dashed) when known.
 */
export function plotSingleTrialRates(pm: PosteriorMeans, opts: SingleTrialRatesOptions = {}): Figure {
  const fn = "plotSingleTrialRates";
  const N = pm.nNeurons;
  const T = pm.T;
  const nTrials = pm.nTrials;
  const neurons = pickIndices(opts.neurons, N, 4, "neuron", fn);
  let trials: number[];
  if (opts.trials === undefined || typeof opts.trials === "number") {
    const n = opts.trials ?? 3;
    if (!Number.isInteger(n) || n < 1) throw new ParamError(`${fn}: trials count must be a positive integer, got ${n}`);
    trials = defaultTrials(pm, Math.min(n, nTrials));
  } else {
    trials = pickIndices(opts.trials, nTrials, 0, "trial", fn);
  }
  const wantSpikes = opts.spikes ?? pm.rawCounts !== undefined;
  if (wantSpikes && !pm.rawCounts) throw new ParamError(`${fn}: spikes requested but PosteriorMeans(${pm.datasetName}) has no raw counts`);
  const wantTruth = opts.truth ?? pm.truth !== undefined;
  if (wantTruth && !pm.truth) throw new ParamError(`${fn}: truth requested but PosteriorMeans(${pm.datasetName}) has no true rates`);
  const colors = { ...DEFAULT_COLORS, ...(opts.colors ?? {}) };

  const time = Array.from(pm.time, (t) => num(t));
  const valid = pm.validMask;
  const titles = [
    trials.map((i) => {
      const c = pm.conditionIds?.[i];
      return `trial ${i} (${valid[i] ? "valid" : "train"}${c !== undefined ? `, cond ${String(c)}` : ""})`;
    }),
  ];
  const grid = makeGrid(neurons.length, trials.length, {
    titles,
    xTitle: "time (ms)",
    yTitles: neurons.map((n) => `neuron ${n}<br>spikes/s`),
    shareYRows: true,
  });

  // Raw counts live on the original (finer) bins: tick times from the first LFADS bin's start. Without
  // the input bin width the re-bin factor is read off the lengths.
  let rawBinMs = pm.spikeBinMs;
  let rawT = T;
  if (wantSpikes) {
    rawT = pm.rawCounts!.shape[1];
    const rebin = pm.inputBinMs !== undefined ? pm.rebin : Math.max(1, Math.round(rawT / T));
    rawBinMs = pm.inputBinMs ?? pm.spikeBinMs / rebin;
    rawT = Math.min(rawT, T * rebin);
  }
  const t0 = pm.time[0] ?? 0;
  const truthScale = pm.scaleFactorCountsToRates;
  const data: PlotlyTrace[] = [];
  neurons.forEach((n, r) => {
    // One y-range per row (shared axes): the ticks sit just below zero.
    let ymax = 0;
    for (const i of trials) {
      for (let t = 0; t < T; t++) {
        const v = pm.rates.data[(i * T + t) * N + n]!;
        if (v > ymax) ymax = v;
        if (wantTruth) {
          const u = pm.truth!.data[(i * T + t) * N + n]! * truthScale;
          if (u > ymax) ymax = u;
        }
      }
    }
    const tickY = num(-0.08 * (ymax > 0 ? ymax : 1));
    trials.forEach((i, c) => {
      const { x, y } = grid.cell(r, c);
      const first = r === 0 && c === 0;
      if (wantSpikes) {
        const counts = pm.rawCounts!;
        const tOrig = counts.shape[1];
        const xs: (number | null)[] = [];
        const hover: string[] = [];
        for (let j = 0; j < rawT; j++) {
          const k = counts.data[(i * tOrig + j) * N + n]!;
          if (k > 0) {
            xs.push(num(t0 + j * rawBinMs));
            hover.push(`${k} spike${k === 1 ? "" : "s"}`);
          }
        }
        data.push({
          type: "scatter", mode: "markers", name: "spikes", legendgroup: "spikes", showlegend: first, xaxis: x, yaxis: y,
          x: xs, y: xs.map(() => tickY), text: hover, hoverinfo: "x+text",
          marker: { symbol: "line-ns-open", size: 7, color: colors.spikes, line: { width: 1, color: colors.spikes } },
        });
      }
      if (wantTruth) {
        data.push({
          type: "scatter", mode: "lines", name: "true rate", legendgroup: "truth", showlegend: first, xaxis: x, yaxis: y,
          x: time, y: series(pm.truth!.data, i * T * N + n, N, T, truthScale), line: { color: colors.truth, width: 1.5, dash: "dash" },
        });
      }
      data.push({
        type: "scatter", mode: "lines", name: "inferred rate", legendgroup: "inferred", showlegend: first, xaxis: x, yaxis: y,
        x: time, y: series(pm.rates.data, i * T * N + n, N, T), line: { color: colors.inferred, width: 2 },
      });
    });
  });

  const layout: PlotlyLayout = {
    ...grid.layout,
    height: Math.max(300, 90 + 170 * neurons.length),
    margin: { l: 70, r: 20, t: opts.title !== undefined ? 80 : 50, b: 50 },
    hovermode: "closest",
  };
  applyStyle(layout, opts);
  const parts = [`${neurons.length} neuron${neurons.length === 1 ? "" : "s"} × ${trials.length} trial${trials.length === 1 ? "" : "s"}`];
  if (wantTruth) parts.push("with true rates");
  if (wantSpikes) parts.push("with spikes");
  return new Figure({ data, layout }, `Figure "single-trial rates" (${pm.datasetName}): ${parts.join(", ")}`);
}
