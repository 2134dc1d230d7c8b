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
  const T = pm.T;
  const neurons = pickIndices(opts.neurons, pm.nNeurons, 4, "neuron", fn);
  const trials = chooseTrials(pm, opts.trials, fn);
  const wantSpikes = opts.spikes ?? pm.rawCounts !== undefined;
  if (wantSpikes && !pm.rawCounts) throw new ParamError(`${fn}: spikes requested but PosteriorMeans(${pm.datasetName}) has no raw counts`);
  const wantTruth = opts.truth ?? pm.truth !== undefined;
  if (wantTruth && !pm.truth) throw new ParamError(`${fn}: truth requested but PosteriorMeans(${pm.datasetName}) has no true rates`);
  const valid = pm.validMask;
  const grid = makeGrid(neurons.length, trials.length, {
    titles: [trials.map((i) => trialTitle(pm, valid, i))],
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
  const traces = new TrialTraces(pm, { ...DEFAULT_COLORS, ...(opts.colors ?? {}) }, rawBinMs, rawT);
  const data: PlotlyTrace[] = [];
  neurons.forEach((n, r) => {
    // One y-range per row (shared axes): the ticks sit just below zero.
    const ymax = rowMax(pm, n, trials, wantTruth);
    const tickY = num(-0.08 * (ymax > 0 ? ymax : 1));
    trials.forEach((i, c) => {
      const axes = grid.cell(r, c);
      const first = r === 0 && c === 0;
      if (wantSpikes) data.push(traces.spikes(i, n, axes, first, tickY));
      if (wantTruth) data.push(traces.truth(i, n, axes, first));
      data.push(traces.inferred(i, n, axes, first));
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

/** The `trials` option as 0-based trial indices (a count n: the first n of `defaultTrials`). */
function chooseTrials(pm: PosteriorMeans, sel: number | readonly number[] | undefined, fn: string): number[] {
  if (sel === undefined || typeof sel === "number") {
    const n = sel ?? 3;
    if (!Number.isInteger(n) || n < 1) throw new ParamError(`${fn}: trials count must be a positive integer, got ${n}`);
    return defaultTrials(pm, Math.min(n, pm.nTrials));
  }
  return pickIndices(sel, pm.nTrials, 0, "trial", fn);
}

/** "trial 12 (valid, cond 3)". */
function trialTitle(pm: PosteriorMeans, valid: Uint8Array, i: number): string {
  const c = pm.conditionIds?.[i];
  return `trial ${i} (${valid[i] ? "valid" : "train"}${c !== undefined ? `, cond ${String(c)}` : ""})`;
}

/** The largest inferred (and, with `withTruth`, true) rate of neuron `n` over the trials. */
function rowMax(pm: PosteriorMeans, n: number, trials: readonly number[], withTruth: boolean): number {
  const N = pm.nNeurons;
  const T = pm.T;
  const truthScale = pm.scaleFactorCountsToRates;
  let ymax = 0;
  for (const i of trials) {
    for (let t = 0; t < T; t++) {
      const v = pm.rates.data[(i * T + t) * N + n]!;
      if (v > ymax) ymax = v;
      if (withTruth) {
        const u = pm.truth!.data[(i * T + t) * N + n]! * truthScale;
        if (u > ymax) ymax = u;
      }
    }
  }
  return ymax;
}

/** The three traces of one grid cell (trial i, neuron n); `first` shows them in the legend. */
class TrialTraces {
  private readonly time: (number | null)[];

  constructor(
    private readonly pm: PosteriorMeans,
    private readonly colors: { inferred: string; truth: string; spikes: string },
    /** Width and number of the raw bins drawn as ticks. */
    private readonly rawBinMs: number,
    private readonly rawT: number,
  ) {
    this.time = Array.from(pm.time, (t) => num(t));
  }

  /** The spike raster: one tick per raw bin with spikes, at `tickY`. */
  spikes(i: number, n: number, { x, y }: { x: string; y: string }, first: boolean, tickY: number | null): PlotlyTrace {
    const { pm, colors } = this;
    const N = pm.nNeurons;
    const counts = pm.rawCounts!;
    const tOrig = counts.shape[1];
    const t0 = pm.time[0] ?? 0;
    const xs: (number | null)[] = [];
    const hover: string[] = [];
    for (let j = 0; j < this.rawT; j++) {
      const k = counts.data[(i * tOrig + j) * N + n]!;
      if (k > 0) {
        xs.push(num(t0 + j * this.rawBinMs));
        hover.push(`${k} spike${k === 1 ? "" : "s"}`);
      }
    }
    return {
      type: "scatter", mode: "markers", name: "spikes", legendgroup: "spikes", showlegend: first, xaxis: x, yaxis: y,
      x: xs, y: xs.map(() => tickY), text: hover, hoverinfo: "x+text",
      marker: { symbol: "line-ns-open", size: 7, color: colors.spikes, line: { width: 1, color: colors.spikes } },
    };
  }

  truth(i: number, n: number, { x, y }: { x: string; y: string }, first: boolean): PlotlyTrace {
    const { pm } = this;
    const N = pm.nNeurons;
    return {
      type: "scatter", mode: "lines", name: "true rate", legendgroup: "truth", showlegend: first, xaxis: x, yaxis: y,
      x: this.time, y: series(pm.truth!.data, i * pm.T * N + n, N, pm.T, pm.scaleFactorCountsToRates), line: { color: this.colors.truth, width: 1.5, dash: "dash" },
    };
  }

  inferred(i: number, n: number, { x, y }: { x: string; y: string }, first: boolean): PlotlyTrace {
    const { pm } = this;
    const N = pm.nNeurons;
    return {
      type: "scatter", mode: "lines", name: "inferred rate", legendgroup: "inferred", showlegend: first, xaxis: x, yaxis: y,
      x: this.time, y: series(pm.rates.data, i * pm.T * N + n, N, pm.T), line: { color: this.colors.inferred, width: 2 },
    };
  }
}
