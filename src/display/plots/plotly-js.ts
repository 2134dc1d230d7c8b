/**
 * The offline plotly.js bundle (`plotly.js-dist-min`, ~4.8 MB) and the HTML snippets that embed it
 * (reference/ecosystem.md §2.2): nothing is fetched from the network, so figures render in notebooks
 * and report files without internet.
 */
import { readFileSync } from "node:fs";
import { LfadsError } from "../../core/errors.js";

let cachedPath: string | undefined;
let cachedSource: string | undefined;

/** Absolute path of `plotly.min.js` from the `plotly.js-dist-min` package. */
export function plotlyBundlePath(): string {
  if (cachedPath !== undefined) return cachedPath;
  try {
    cachedPath = require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch (err) {
    throw new LfadsError(`plotly.js is not installed: cannot resolve 'plotly.js-dist-min/plotly.min.js' (${(err as Error).message}); run \`npm install plotly.js-dist-min\``);
  }
  return cachedPath;
}

/**
 * The bundle's source, made safe to inline in a `<script>` element (`</script` cannot end the element
 * early). Read once per process.
 */
function plotlyBundleSource(): string {
  if (cachedSource === undefined) cachedSource = readFileSync(plotlyBundlePath(), "utf8").replace(/<\/(script)/gi, "<\\/$1");
  return cachedSource;
}

/** The version of the bundled plotly.js (from its header comment), e.g. "4.1.2". */
export function plotlyVersion(): string {
  const m = /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlyBundleSource().slice(0, 200));
  return m ? m[1]! : "unknown";
}

/** The HTML comments that bracket the inlined library, so a notebook display can leave it out. */
export const PLOTLY_JS_START = "<!--lfads-ts: plotly.js begins-->";
export const PLOTLY_JS_END = "<!--lfads-ts: plotly.js ends-->";

/** The window event the library's script fires once `window.Plotly` exists (waiting figures draw then). */
export const PLOTLY_READY_EVENT = "lfads-plotly-ready";

/** The class of the `<script>` element that holds the library (so a page can tell whether it has one). */
export const PLOTLY_JS_CLASS = "lfads-plotly-js";

/**
 * A `<script>` element that defines `window.Plotly` from the inlined bundle unless it is already there,
 * then fires {@link PLOTLY_READY_EVENT}; bracketed by {@link PLOTLY_JS_START} / {@link PLOTLY_JS_END}.
 * AMD's `define` (classic Notebook's require.js) is hidden while the bundle runs, so the UMD bundle
 * registers a global instead of an anonymous module.
 */
export function plotlyScriptTag(): string {
  return (
    `${PLOTLY_JS_START}<script type="text/javascript" class="${PLOTLY_JS_CLASS}">(function () {\n` +
    `if (!window.Plotly) { var __hadDefine = Object.prototype.hasOwnProperty.call(window, "define"), __define = window.define; window.define = undefined;\n` +
    `try {\n${plotlyBundleSource()}\n} finally { if (__hadDefine) { window.define = __define; } else { delete window.define; } } }\n` +
    `window.dispatchEvent(new Event(${JSON.stringify(PLOTLY_READY_EVENT)}));\n})();</script>${PLOTLY_JS_END}`
  );
}

/**
 * `html` with the inlined plotly.js libraries after the first `keep` removed (each bracketed block goes,
 * markers included). Returns `html` itself when nothing is removed.
 */
export function withoutPlotlyJs(html: string, keep = 0): string {
  const parts: string[] = [];
  let from = 0;
  let seen = 0;
  for (let start = html.indexOf(PLOTLY_JS_START); start >= 0; start = html.indexOf(PLOTLY_JS_START, from)) {
    const end = html.indexOf(PLOTLY_JS_END, start);
    if (end < 0) break;
    const stop = end + PLOTLY_JS_END.length;
    parts.push(html.slice(from, seen++ < keep ? stop : start));
    from = stop;
  }
  if (seen <= keep) return html;
  parts.push(html.slice(from));
  return parts.join("");
}

/** Whether `html` inlines plotly.js (a block from {@link plotlyLoaderJs}). */
export function hasPlotlyJs(html: string): boolean {
  return html.includes(PLOTLY_JS_START);
}

/** JSON for a `<script>` body: `<`, U+2028 and U+2029 escaped so no text in it can end or break the script. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
