/**
 * `plotPbt(ledger)`: a PBT across generations — one panel for the members' fitness (smoothed validation
 * cost; the population's best as a thick black line) and one per tuned hyperparameter (log axis for the
 * log-scale ones), a line per member slot, and a cross where a member took over another member's
 * checkpoint (its line then continues from the copied lineage's explored values). Plain ledger data in.
 */
import { ParamError } from "../../core/errors.js";
import type { PbtLedger } from "../../runs/pbt-ledger.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyTrace } from "./figure.js";
import { categoricalColors, layoutKey, makeGrid } from "./layout.js";

export type PbtPlotOptions = FigureStyle;

/** The figure (module comment). */
export function plotPbt(ledger: PbtLedger, options: PbtPlotOptions = {}): Figure {
  const gens = ledger.generations.filter((g) => g.applied);
  if (gens.length === 0) throw new ParamError("plotPbt: the ledger has no generation yet; run pbt() first");
  const names = gens[0]!.members.map((m) => m.member);
  const dims = ledger.settings.searchSpace;
  const grid = makeGrid(1 + dims.length, 1, { xTitle: "generation", yTitles: ["fitness", ...dims.map((d) => d.name)], vgap: 0.03 });
  const colors = categoricalColors(names.length);
  const x = gens.map((g) => g.generation + 1);
  const data: PlotlyTrace[] = [];
  names.forEach((name, k) => {
    const fit = grid.cell(0, 0);
    data.push({ type: "scatter", mode: "lines+markers", name, legendgroup: name, x, y: gens.map((g) => g.members[k]?.fitness ?? null), xaxis: fit.x, yaxis: fit.y, line: { color: colors[k], width: 1.5 }, marker: { size: 5 } });
    dims.forEach((d, i) => {
      const c = grid.cell(i + 1, 0);
      data.push({ type: "scatter", mode: "lines+markers", name, legendgroup: name, showlegend: false, x, y: gens.map((g) => g.members[k]?.hyperparameters[d.name] ?? null), xaxis: c.x, yaxis: c.y, line: { color: colors[k], width: 1.5 }, marker: { size: 5 } });
    });
    const copies = gens.filter((g) => g.members[k]?.copiedFrom);
    if (copies.length > 0) {
      data.push({
        type: "scatter", mode: "markers", name: `${name} copied`, legendgroup: name, showlegend: false, x: copies.map((g) => g.generation + 1), y: copies.map((g) => g.members[k]!.fitness),
        text: copies.map((g) => `${name} took ${g.members[k]!.copiedFrom}'s checkpoint`), hoverinfo: "text", xaxis: fit.x, yaxis: fit.y, marker: { symbol: "x", size: 9, color: colors[k] },
      });
    }
  });
  const best = gens.map((g) => {
    const f = g.members.map((m) => m.fitness).filter((v): v is number => v !== null);
    return f.length > 0 ? Math.min(...f) : null;
  });
  data.push({ type: "scatter", mode: "lines", name: "best", x, y: best, xaxis: grid.cell(0, 0).x, yaxis: grid.cell(0, 0).y, line: { color: "#000000", width: 3 } });
  const layout: Record<string, unknown> = { ...grid.layout, height: 180 * (1 + dims.length) + 80, margin: { l: 80, r: 20, t: 50, b: 50 }, title: { text: `PBT: ${names.length} members, ${gens.length} generation${gens.length === 1 ? "" : "s"}` } };
  // Generations are whole numbers: ticks at 1, 1 + step, … (at most about ten), never at 1.5.
  const step = Math.max(1, Math.ceil(gens.length / 10));
  for (let i = 0; i <= dims.length; i++) {
    const key = layoutKey(grid.cell(i, 0).x);
    layout[key] = { ...((layout[key] as Record<string, unknown> | undefined) ?? {}), tick0: 1, dtick: step };
  }
  dims.forEach((d, i) => {
    if (d.scale !== "log") return;
    const key = layoutKey(grid.cell(i + 1, 0).y);
    layout[key] = { ...((layout[key] as Record<string, unknown> | undefined) ?? {}), type: "log" };
  });
  applyStyle(layout, options);
  return new Figure({ data, layout }, `Figure "PBT" : ${names.length} members × ${gens.length} generations, fitness and ${dims.map((d) => d.name).join(", ")}`);
}
