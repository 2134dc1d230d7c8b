/**
 * Plotly's JSON shapes, in a file of their own so that the exporter (display/export) and Figure
 * (display/plots/figure.ts, which calls the exporter) share them without importing each other.
 */

/** One plotly trace (`{type: "scatter", x, y, …}`), as plain JSON. */
export type PlotlyTrace = { [key: string]: unknown };
/** A plotly layout object, as plain JSON. */
export type PlotlyLayout = { [key: string]: unknown };
/** A plotly config object (`{displaylogo: false, …}`). */
export type PlotlyConfig = { [key: string]: unknown };
