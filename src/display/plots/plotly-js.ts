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

/**
 * JavaScript that defines `window.Plotly` from the inlined bundle unless it is already there. AMD's
 * `define` (classic Notebook's require.js) is hidden while the bundle runs, so a UMD bundle registers a
 * global instead of an anonymous module.
 */
export function plotlyLoaderJs(): string {
  return (
    `if (!window.Plotly) { var __hadDefine = Object.prototype.hasOwnProperty.call(window, "define"), __define = window.define; window.define = undefined;\n` +
    `try {\n${plotlyBundleSource()}\n} finally { if (__hadDefine) { window.define = __define; } else { delete window.define; } } }\n`
  );
}

/** JSON for a `<script>` body: `<`, U+2028 and U+2029 escaped so no text in it can end or break the script. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
