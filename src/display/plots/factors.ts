/**
 * Latent factors: condition-averaged time courses (one panel per factor, one line per condition) and
 * 3-D trajectories (top three PCs of the condition-averaged factors, or three chosen factors), coloured
 * by condition.
 */
import { DataError, ParamError } from "../../core/errors.js";
import { pca, type Mat } from "../../core/linalg.js";
import type { PosteriorMeans } from "../../posterior/posterior-means.js";
import type { ConditionIds } from "../../posterior/read-input-info.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyLayout, type PlotlyTrace } from "./figure.js";
import { categoricalColors, layoutKey, makeGrid, num, pickIndices } from "./layout.js";

/** Which trials enter the averages: a split, or 0-based trial indices. */
export type TrialSubset = "all" | "train" | "valid" | readonly number[];

export interface ConditionAverageOptions {
  /** One id per trial (default: the PosteriorMeans' `conditionIds`; without any, all trials form one group). */
  conditionIds?: ConditionIds;
  /** Trials to average (default "all"); trials without outputs are skipped. */
  trials?: TrialSubset;
  /** Only these condition ids, in this order (default: every condition, sorted). */
  conditions?: readonly (number | string)[];
  /** One colour per shown condition (default: category10, or a colour wheel beyond 10). */
  colors?: readonly string[];
}

/** Factor means per condition, `[conditions, T, nFactors]`. */
export interface ConditionMeans {
  readonly conditions: (number | string)[];
  readonly labels: string[];
  readonly nTrials: number[];
  /** The trials of each condition (0-based, original order). */
  readonly trialsByCondition: number[][];
  /** `[conditions, T, dim]`, NaN where no trial contributes. */
  readonly mean: Float64Array;
  readonly dim: number;
}

function selectedTrials(pm: PosteriorMeans, sel: TrialSubset | undefined, fn: string): number[] {
  const has = pm.trialHasOutput;
  let base: number[];
  if (sel === undefined || sel === "all") base = Array.from({ length: pm.nTrials }, (_, i) => i);
  else if (sel === "train") base = [...pm.trainInds];
  else if (sel === "valid") base = [...pm.validInds];
  else if (Array.isArray(sel)) base = pickIndices(sel as readonly number[], pm.nTrials, 0, "trial", fn);
  else throw new ParamError(`${fn}: trials must be "all", "train", "valid" or an array of 0-based trial indices; got ${JSON.stringify(sel)}`);
  const kept = base.filter((i) => has[i] === 1).sort((a, b) => a - b);
  if (kept.length === 0) throw new DataError(`${fn}: none of the selected trials of ${pm.datasetName} has posterior outputs`);
  return kept;
}

/**
 * Average `[trials, T, dim]` data (e.g. `pm.factors`, `pm.rates`) over the selected trials of each
 * condition, NaNs skipped. `fn` names the caller in error messages.
 */
export function conditionMeans(
  pm: PosteriorMeans,
  x: { readonly data: ArrayLike<number>; readonly shape: readonly number[] },
  o: ConditionAverageOptions = {},
  fn = "conditionMeans",
): ConditionMeans {
  const [n, T, d] = x.shape as [number, number, number];
  const ids = o.conditionIds ?? pm.conditionIds;
  if (ids !== undefined && ids.length !== n) throw new ParamError(`${fn}: ${ids.length} condition ids for ${n} trials`);
  const trials = selectedTrials(pm, o.trials, fn);
  const idOf = (i: number): number | string => (ids === undefined ? "all trials" : ids[i]!);
  let conditions = [...new Set(trials.map(idOf))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (o.conditions !== undefined) {
    const present = new Set(conditions);
    for (const c of o.conditions) {
      if (!present.has(c)) throw new ParamError(`${fn}: condition ${JSON.stringify(c)} has no selected trial; conditions: ${conditions.slice(0, 12).map((v) => JSON.stringify(v)).join(", ")}${conditions.length > 12 ? ", …" : ""}`);
    }
    conditions = [...o.conditions];
  }
  const index = new Map(conditions.map((c, k) => [c, k]));
  const nc = conditions.length;
  const sum = new Float64Array(nc * T * d);
  const cnt = new Float64Array(nc * T * d);
  const trialsByCondition: number[][] = conditions.map(() => []);
  for (const i of trials) {
    const k = index.get(idOf(i));
    if (k === undefined) continue;
    trialsByCondition[k]!.push(i);
    const src = i * T * d;
    const dst = k * T * d;
    for (let j = 0; j < T * d; j++) {
      const v = x.data[src + j]!;
      if (Number.isNaN(v)) continue;
      sum[dst + j]! += v;
      cnt[dst + j]!++;
    }
  }
  for (let j = 0; j < sum.length; j++) sum[j] = cnt[j]! > 0 ? sum[j]! / cnt[j]! : NaN;
  const nTrials = trialsByCondition.map((t) => t.length);
  const labels = conditions.map((c) => (ids === undefined ? String(c) : `cond ${String(c)}`));
  return { conditions, labels, nTrials, trialsByCondition, mean: sum, dim: d };
}

function conditionColors(n: number, given: readonly string[] | undefined, fn: string): string[] {
  if (given === undefined) return categoricalColors(n);
  if (given.length < n) throw new ParamError(`${fn}: ${given.length} colours given for ${n} conditions`);
  return given.slice(0, n);
}

export interface ConditionFactorsOptions extends FigureStyle, ConditionAverageOptions {
  /** A count n (the first n factors) or 0-based factor indices. Default: the first min(8, nFactors). */
  factors?: number | readonly number[];
  /** Panels per row (default min(4, number of factors)). */
  cols?: number;
}

/** Condition-averaged factor time courses: one panel per factor, one line per condition. */
export function plotConditionAveragedFactors(pm: PosteriorMeans, opts: ConditionFactorsOptions = {}): Figure {
  const fn = "plotConditionAveragedFactors";
  const F = pm.nFactors;
  const T = pm.T;
  const factors = pickIndices(opts.factors, F, 8, "factor", fn);
  const cm = conditionMeans(pm, pm.factors, opts, fn);
  const nc = cm.conditions.length;
  const colors = conditionColors(nc, opts.colors, fn);
  const cols = opts.cols ?? Math.min(4, factors.length);
  if (!Number.isInteger(cols) || cols < 1) throw new ParamError(`${fn}: cols must be a positive integer, got ${cols}`);
  const rows = Math.ceil(factors.length / cols);
  const titles = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => {
    const k = r * cols + c;
    return k < factors.length ? `factor ${factors[k]}` : undefined;
  }));
  const grid = makeGrid(rows, cols, { titles, xTitle: "time (ms)" });
  const time = Array.from(pm.time, (t) => num(t));
  const data: PlotlyTrace[] = [];
  const showLegend = nc <= 24;
  factors.forEach((f, k) => {
    const { x, y } = grid.cell(Math.floor(k / cols), k % cols);
    for (let c = 0; c < nc; c++) {
      const ys = new Array<number | null>(T);
      for (let t = 0; t < T; t++) ys[t] = num(cm.mean[(c * T + t) * F + f]!);
      data.push({
        type: "scatter", mode: "lines", x: time, y: ys, xaxis: x, yaxis: y,
        name: `${cm.labels[c]} (n=${cm.nTrials[c]})`, legendgroup: `c${c}`, showlegend: showLegend && k === 0,
        line: { color: colors[c], width: 1.5 },
      });
    }
  });
  // Hide the axes of empty cells in the last row; the row above then shows its x tick labels there.
  const layout: PlotlyLayout = { ...grid.layout };
  const patch = (axisId: string, p: Record<string, unknown>) => (layout[layoutKey(axisId)] = { ...(layout[layoutKey(axisId)] as object), ...p });
  for (let k = factors.length; k < rows * cols; k++) {
    const { x, y } = grid.cell(Math.floor(k / cols), k % cols);
    patch(x, { visible: false });
    patch(y, { visible: false });
    if (k - cols >= 0) patch(grid.cell(Math.floor(k / cols) - 1, k % cols).x, { showticklabels: true });
  }
  Object.assign(layout, {
    height: Math.max(320, 80 + 220 * rows),
    margin: { l: 60, r: 20, t: opts.title !== undefined ? 80 : 40, b: 50 },
    showlegend: showLegend,
    hovermode: "closest",
  });
  applyStyle(layout, opts);
  return new Figure({ data, layout }, `Figure "condition-averaged factors" (${pm.datasetName}): ${factors.length} factor${factors.length === 1 ? "" : "s"} × ${nc} condition${nc === 1 ? "" : "s"}`);
}

export interface FactorTrajectoryOptions extends FigureStyle, ConditionAverageOptions {
  /**
   * "pca" (default when there are more than 3 factors): the top 3 principal components of the
   * condition-averaged factors; "factors": three factors as they are.
   */
  projection?: "pca" | "factors";
  /** With projection "factors": the three 0-based factor indices (default [0, 1, 2]). */
  dims?: readonly [number, number, number];
  /** Also draw up to this many single trials per condition as thin lines (default 0). */
  singleTrials?: number;
  /** Mark each trajectory's start with a dot (default true). */
  markStart?: boolean;
}

/** 3-D factor trajectories, one per condition (condition averages), coloured by condition. */
export function plotFactorTrajectories3d(pm: PosteriorMeans, opts: FactorTrajectoryOptions = {}): Figure {
  const fn = "plotFactorTrajectories3d";
  const F = pm.nFactors;
  const T = pm.T;
  if (F < 3) throw new ParamError(`${fn}: needs at least 3 factors; ${pm.datasetName} has ${F}`);
  const projection = opts.projection ?? (F > 3 ? "pca" : "factors");
  if (projection !== "pca" && projection !== "factors") throw new ParamError(`${fn}: projection must be "pca" or "factors", got ${JSON.stringify(projection)}`);
  const cm = conditionMeans(pm, pm.factors, opts, fn);
  const nc = cm.conditions.length;
  const colors = conditionColors(nc, opts.colors, fn);
  const proj = projection === "factors" ? factorAxes(F, opts.dims, fn) : pcaAxes(cm, F, T, fn);
  const project = (src: ArrayLike<number>, base: number) => projectTrajectory(proj, src, base, F, T);

  const data: PlotlyTrace[] = [];
  const nSingle = opts.singleTrials ?? 0;
  if (!Number.isInteger(nSingle) || nSingle < 0) throw new ParamError(`${fn}: singleTrials must be an integer >= 0, got ${nSingle}`);
  const showLegend = nc <= 24;
  for (let c = 0; c < nc; c++) {
    for (const i of cm.trialsByCondition[c]!.slice(0, nSingle)) {
      const [xs, ys, zs] = project(pm.factors.data, i * T * F);
      data.push({
        type: "scatter3d", mode: "lines", x: xs, y: ys, z: zs, name: `trial ${i}`, legendgroup: `c${c}`, showlegend: false,
        line: { color: colors[c], width: 1 }, opacity: 0.35, hoverinfo: "name",
      });
    }
    const [xs, ys, zs] = project(cm.mean, c * T * F);
    data.push({
      type: "scatter3d", mode: "lines", x: xs, y: ys, z: zs, name: `${cm.labels[c]} (n=${cm.nTrials[c]})`, legendgroup: `c${c}`, showlegend: showLegend,
      line: { color: colors[c], width: 4 },
    });
    if (opts.markStart ?? true) {
      data.push({
        type: "scatter3d", mode: "markers", x: [xs[0]], y: [ys[0]], z: [zs[0]], name: `${cm.labels[c]} start`, legendgroup: `c${c}`, showlegend: false,
        marker: { color: colors[c], size: 4 }, hoverinfo: "name",
      });
    }
  }
  const axisTitles = proj.axisTitles;
  const layout: PlotlyLayout = {
    height: 550,
    margin: { l: 0, r: 0, t: opts.title !== undefined ? 50 : 10, b: 0 },
    scene: {
      xaxis: { title: { text: axisTitles[0] } },
      yaxis: { title: { text: axisTitles[1] } },
      zaxis: { title: { text: axisTitles[2] } },
      aspectmode: "cube",
    },
    showlegend: showLegend,
  };
  applyStyle(layout, opts);
  return new Figure({ data, layout }, `Figure "factor trajectories" (${pm.datasetName}): ${nc} condition${nc === 1 ? "" : "s"}, ${projection === "pca" ? "top 3 PCs" : axisTitles.join(", ")}`);
}

/** A projection to 3-D: x ↦ (x − center) · W, W F × 3 row-major, and the titles of the three axes. */
interface Projection3d {
  readonly W: Float64Array;
  readonly center: Float64Array;
  readonly axisTitles: string[];
}

/** Three factors as they are (default the first three). */
function factorAxes(F: number, dimsOpt: readonly [number, number, number] | undefined, fn: string): Projection3d {
  const dims = dimsOpt ?? [0, 1, 2];
  if (dims.length !== 3) throw new ParamError(`${fn}: dims must name exactly 3 factors`);
  pickIndices(dims, F, 3, "factor", fn);
  const W = new Float64Array(F * 3);
  dims.forEach((f, k) => (W[f * 3 + k] = 1));
  return { W, center: new Float64Array(F), axisTitles: dims.map((f) => `factor ${f}`) };
}

/** The top three principal components of the condition-averaged factors, titled with their share of the variance. */
function pcaAxes(cm: ConditionMeans, F: number, T: number, fn: string): Projection3d {
  const obs = cm.conditions.length * T;
  const x: Mat = { rows: F, cols: obs, data: new Float64Array(F * obs) };
  for (let o = 0; o < obs; o++) for (let f = 0; f < F; f++) x.data[f * obs + o] = cm.mean[o * F + f]!;
  const center = new Float64Array(F);
  const varTot = nanVariances(x, center);
  if (obs < 4) throw new ParamError(`${fn}: PCA needs at least 4 condition-averaged time points, got ${obs}`);
  const res = pca(x, 3, { scores: false });
  const W = new Float64Array(F * 3);
  for (let f = 0; f < F; f++) for (let k = 0; k < 3; k++) W[f * 3 + k] = res.coeff.data[f * res.coeff.cols + k]!;
  const axisTitles = [0, 1, 2].map((k) => `PC${k + 1} (${varTot > 0 ? ((100 * res.variances[k]!) / varTot).toFixed(0) : "?"}%)`);
  return { W, center, axisTitles };
}

/** The 3-D coordinates over time of the [T, F] block of `src` that starts at `base`. */
function projectTrajectory(p: Projection3d, src: ArrayLike<number>, base: number, F: number, T: number): [(number | null)[], (number | null)[], (number | null)[]] {
  const { W, center } = p;
  const out: [(number | null)[], (number | null)[], (number | null)[]] = [[], [], []];
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < 3; k++) {
      let s = 0;
      for (let f = 0; f < F; f++) {
        const w = W[f * 3 + k]!;
        if (w !== 0) s += (src[base + t * F + f]! - center[f]!) * w;
      }
      out[k].push(num(s));
    }
  }
  return out;
}

/** NaN-ignoring mean of each row (into `mean`) and the sum of the rows' variances. */
function nanVariances(x: Mat, mean: Float64Array): number {
  let total = 0;
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    let n = 0;
    for (let c = 0; c < x.cols; c++) {
      const v = x.data[r * x.cols + c]!;
      if (!Number.isNaN(v)) {
        s += v;
        n++;
      }
    }
    const m = n > 0 ? s / n : 0;
    mean[r] = m;
    let ss = 0;
    for (let c = 0; c < x.cols; c++) {
      const v = x.data[r * x.cols + c]!;
      if (!Number.isNaN(v)) ss += (v - m) ** 2;
    }
    if (n > 1) total += ss / (n - 1);
  }
  return total;
}
