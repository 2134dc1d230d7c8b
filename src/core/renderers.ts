/**
 * Display renderers by class. The value classes (RunParams, Dataset, DatasetCollection, RunSpec, Run,
 * RunCollection) declare `toText()`, `toHtml()` and a `util.inspect` hook in their own bodies and look
 * their renderers up here; src/display registers them when it is imported (display is a later stage
 * than the classes it shows, so the classes cannot import it). Lookup walks the prototype chain, so a
 * subclass (the facade's Run and RunCollection) renders as its base class unless it registers its own.
 */
import type { InspectOptions } from "node:util";
import { LfadsError } from "./errors.js";

/** How a class renders itself: MATLAB-style text, notebook HTML and, optionally, a one-line form. */
export interface Renderers<T> {
  text(x: T): string;
  html(x: T): string;
  /** One line, printed under the HTML in Jupyter and used when nested in other values (default: the first line of `text`). */
  short?(x: T): string;
}

/**
 * The rich `util.inspect` body display registers (`richInspect`): shows `x`'s bundle when it is the
 * top-level value of a notebook cell and returns `short`, else returns text.
 */
export type RichInspector = (x: object, short: string, depth: number, options: InspectOptions | undefined) => string;

// Keyed by the prototype the renderers were registered for.
const registry = new Map<object, Renderers<never>>();
let richInspector: RichInspector | undefined;

/** Register the renderers of `cls` (and its subclasses). A second call replaces the first. */
export function registerRenderers<T extends object>(cls: abstract new (...args: never[]) => T, renderers: Renderers<T>): void {
  registry.set(cls.prototype as object, renderers as Renderers<never>);
}

/** Set the rich `util.inspect` body used by every class with registered renderers. */
export function setRichInspector(inspector: RichInspector): void {
  richInspector = inspector;
}

function lookup<T extends object>(x: T): Renderers<T> | undefined {
  for (let p = Object.getPrototypeOf(x) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const r = registry.get(p);
    if (r) return r as Renderers<T>;
  }
  return undefined;
}

function renderersFor<T extends object>(x: T, method: string): Renderers<T> {
  const r = lookup(x);
  if (r) return r;
  const cls = x.constructor?.name ?? "object";
  throw new LfadsError(`${cls}.${method}(): no display is registered for ${cls}; import "lfads-ts" (or src/display/index.js), which registers the notebook and text displays`);
}

/** The registered text display of `x`; throws, naming the class and the fix, when none is registered. */
export function renderText<T extends object>(x: T): string {
  return renderersFor(x, "toText").text(x);
}

/** The registered HTML display of `x`; throws, naming the class and the fix, when none is registered. */
export function renderHtml<T extends object>(x: T): string {
  return renderersFor(x, "toHtml").html(x);
}

/**
 * The body of a class's `[util.inspect.custom](depth, options)`: the rich display when renderers and
 * the inspector are registered, else `fallback()` (what the class printed before display was loaded).
 */
export function inspectRendered<T extends object>(x: T, depth: number, options: InspectOptions | undefined, fallback: () => string): string {
  const r = lookup(x);
  if (!r || !richInspector) return fallback();
  const short = r.short ? r.short(x) : (r.text(x).split("\n", 1)[0] ?? "");
  return richInspector(x, short, depth, options);
}

/**
 * Base of the value classes that render through this registry: `toText()`, `toHtml()` and the
 * `util.inspect` hook, written once. `inspectFallback` is what a value prints before src/display is
 * loaded (default: its `toString()`).
 */
export abstract class Rendered {
  /** The MATLAB-style text display (registered by src/display). */
  toText(): string {
    return renderText(this);
  }

  /** The notebook HTML view (registered by src/display). */
  toHtml(): string {
    return renderHtml(this);
  }

  /** What the value prints when no display is registered. */
  protected inspectFallback(_options: InspectOptions | undefined): string {
    return this.toString();
  }

  /** Inside Jupyter a cell ending in this value renders its HTML view; elsewhere the text display. */
  [Symbol.for("nodejs.util.inspect.custom")](depth: number, options: InspectOptions | undefined): string {
    return inspectRendered(this, depth, options, () => this.inspectFallback(options));
  }
}
