/**
 * plotly.js reaches a notebook once. A figure's `text/html` inlines the 4.8 MB library (so it also draws
 * on its own in a saved page); on its way to a kernel, the bridge passes every bundle through
 * {@link PlotlyCarrier.prepare}, which keeps the library in the first figure output of the kernel
 * session (the *carrier*) and strips it from later ones. A figure without the library waits for
 * `window.Plotly` (any order of outputs on the page works: nbconvert's HTML, a reopened notebook) and
 * says in its plot area how to bring the library back if no output carries it any more.
 *
 * The kernel cannot see a frontend clear or re-run the carrier's cell, so `showPlotlyJs()` (figure.ts)
 * sends the library again on request. Replacing the carrier display in place (an updatable display)
 * keeps the library in the replacement.
 */
import { hasPlotlyJs, withoutPlotlyJs } from "./plotly-js.js";

type Bundle = { readonly [mime: string]: unknown };

export class PlotlyCarrier {
  /** The output that carries plotly.js in this session (its display id, if it has one); undefined: none yet. */
  private carrier: { displayId: string | undefined } | undefined;

  /** Whether an output of this session carries plotly.js. */
  get carried(): boolean {
    return this.carrier !== undefined;
  }

  /**
   * The bundle to send: `text/html` keeps its inlined plotly.js only when no output carries it yet, or
   * when it replaces the carrier display (`update` of the carrier's `displayId`).
   */
  prepare(bundle: Bundle, displayId: string | undefined, update: boolean): Bundle {
    const html = bundle["text/html"];
    const replacesCarrier = update && displayId !== undefined && this.carrier?.displayId === displayId;
    if (typeof html !== "string" || !hasPlotlyJs(html)) {
      if (replacesCarrier) this.carrier = undefined;
      return bundle;
    }
    const keep = this.carrier === undefined || replacesCarrier;
    if (keep) this.carrier = { displayId };
    const lean = withoutPlotlyJs(html, keep ? 1 : 0);
    return lean === html ? bundle : { ...bundle, "text/html": lean };
  }

  /** Forget the carrier: the next output that inlines plotly.js keeps it. */
  release(): void {
    this.carrier = undefined;
  }
}

/** The kernel session's carrier (one per process: a kernel is one process). */
export const kernelPlotly = new PlotlyCarrier();
