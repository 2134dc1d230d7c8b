/**
 * The alignment reconstruction grid (the Run Manager's `plotAlignmentReconstruction`): factors as rows,
 * conditions as columns; in each panel the global PC in black and each dataset's reconstruction of it.
 */
import type { AlignmentResult } from "../../align/alignment.js";
import {
  alignmentReconstructionData,
  type AlignmentReconstructionData,
  type AlignmentReconstructionOptions,
} from "../../align/reconstruction.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyLayout, type PlotlyTrace } from "./figure.js";
import { categoricalColors, makeGrid, num } from "./layout.js";

export interface AlignmentPlotOptions extends FigureStyle, AlignmentReconstructionOptions {
  /** One colour per dataset (default category10 / colour wheel). The global trace is always black. */
  colors?: readonly string[];
}

function isData(x: AlignmentReconstructionData | AlignmentResult): x is AlignmentReconstructionData {
  return Array.isArray((x as AlignmentReconstructionData).panels);
}

/**
 * Plot an alignment's reconstructions: pass the result of `computeAlignment` (selection options as for
 * `alignmentReconstructionData`) or that function's output.
 */
export function plotAlignmentReconstruction(source: AlignmentReconstructionData | AlignmentResult, opts: AlignmentPlotOptions = {}): Figure {
  const d = isData(source) ? source : alignmentReconstructionData(source, opts);
  const rows = d.factors.length;
  const cols = d.conditions.length;
  const colors = opts.colors ? [...opts.colors] : categoricalColors(d.datasetNames.length);
  const grid = makeGrid(rows, cols, {
    titles: [d.conditions.map((c) => c.label)],
    yTitles: d.panels.map((row) => row[0]?.factorLabel),
    xTitle: opts.binMs !== undefined ? "time (ms)" : "time bin",
    shareYRows: true,
  });
  const time = d.time.map((t) => num(t));
  const data: PlotlyTrace[] = [];
  d.panels.forEach((row, r) =>
    row.forEach((p, c) => {
      const { x, y } = grid.cell(r, c);
      const first = r === 0 && c === 0;
      // The global PC first (thick, underneath), each dataset's reconstruction drawn over it.
      data.push({
        type: "scatter", mode: "lines", x: time, y: p.global.map((v) => (v === null ? null : num(v))), xaxis: x, yaxis: y,
        name: "Global", legendgroup: "global", showlegend: first, line: { color: "#000000", width: 2.5 },
      });
      p.datasets.forEach((tr, k) => {
        data.push({
          type: "scatter", mode: "lines", x: time, y: tr.values.map((v) => (v === null ? null : num(v))), xaxis: x, yaxis: y,
          name: tr.dataset, legendgroup: `d${k}`, showlegend: first, line: { color: colors[k % colors.length], width: 1.2 },
        });
      });
    }),
  );
  const layout: PlotlyLayout = {
    ...grid.layout,
    height: Math.max(320, 90 + 160 * rows),
    margin: { l: 70, r: 20, t: opts.title !== undefined ? 80 : 50, b: 50 },
    hovermode: "closest",
  };
  applyStyle(layout, opts);
  return new Figure(
    { data, layout },
    `Figure "alignment reconstruction": ${rows} factor${rows === 1 ? "" : "s"} × ${cols} condition${cols === 1 ? "" : "s"}, ${d.datasetNames.length} dataset${d.datasetNames.length === 1 ? "" : "s"} + global`,
  );
}
