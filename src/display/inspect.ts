/**
 * Rich rendering for a cell's last expression. tslab prints that value with `console.log` (there is no
 * `_repr_html_`), so a `[util.inspect.custom]` hook that sends the HTML bundle as a side effect and
 * returns a one-line text makes `par` on the last line of a cell render as a table. Outside a kernel
 * the hook returns the full text display, as MATLAB's `disp` would.
 *
 * The lfads-ts value classes declare that hook themselves and find their renderers in the registry of
 * src/core/renderers.ts; `registerDisplay` fills it, and importing this module makes `richInspect` the
 * hook's body. `attachRichDisplay` gives other classes (a notebook's own) the same behaviour.
 */
import { inspect, type InspectOptions } from "node:util";
import { registerRenderers, setRichInspector, type Renderers } from "../core/renderers.js";
import { inKernel } from "./bridge.js";
import { bundleOf, showBundle } from "./show.js";

/** How a class renders itself. `short` is the one-line text printed under the HTML in Jupyter. */
export interface RichRenderers<T> {
  text(x: T): string;
  html?(x: T): string;
  /** More MIME types (plotly JSON, …) merged into the bundle. */
  bundle?(x: T): { readonly [mime: string]: unknown };
  /** One line (default: the first line of `text`). */
  short?(x: T): string;
}

/**
 * The body of a `[util.inspect.custom](depth, options)` method. At the top level inside Jupyter it
 * displays `x`'s bundle and returns `short`; nested inside another value it returns `short` only (so
 * arrays of objects stay compact); outside Jupyter it returns the full text.
 */
export function richInspect(x: object, short: string, depth: number, options: InspectOptions | undefined): string {
  const topLevel = options === undefined || depth === options.depth;
  if (!topLevel) return short;
  if (!inKernel()) return bundleText(x);
  showBundle(bundleOf(x));
  return short;
}

setRichInspector(richInspect);

/** Register the text and HTML displays of an lfads-ts class that declares `toText()`/`toHtml()` (and its subclasses). */
export function registerDisplay<T extends object>(cls: abstract new (...args: never[]) => T, renderers: Renderers<T>): void {
  registerRenderers(cls, renderers);
}

function bundleText(x: object): string {
  const t = bundleOf(x)["text/plain"];
  return typeof t === "string" ? t : short1(String(t));
}

function short1(s: string): string {
  return s.split("\n", 1)[0] ?? "";
}

/**
 * Give a class `toText()`, `toHtml()`, `toMimeBundle()` (only those it does not define itself) and a
 * rich `[util.inspect.custom]`, from renderer functions that live outside the class (display is a later
 * stage than the classes it shows). The class's own methods win over the renderers.
 */
export function attachRichDisplay<T extends object>(proto: T, r: RichRenderers<T>): void {
  const define = (name: PropertyKey, value: unknown, force = false) => {
    if (!force && Object.prototype.hasOwnProperty.call(proto, name)) return;
    Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
  };
  define("toText", function (this: T) {
    return r.text(this);
  });
  if (r.html) {
    const html = r.html;
    define("toHtml", function (this: T) {
      return html(this);
    });
  }
  if (r.bundle) {
    const bundle = r.bundle;
    define("toMimeBundle", function (this: T) {
      return bundle(this);
    });
  }
  define(
    inspect.custom,
    function (this: T, depth: number, options: InspectOptions) {
      // The object's own toText (kept if the class defines one) gives the default one-liner.
      const own = (this as { toText?: () => string }).toText;
      return richInspect(this, r.short ? r.short(this) : short1(own ? own.call(this) : r.text(this)), depth, options);
    },
    true,
  );
}
