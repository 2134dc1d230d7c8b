/**
 * `show(x)` and updatable displays. Anything with `toHtml()` / `toText()` / `toMimeBundle()` renders
 * richly in Jupyter and as text elsewhere; arrays of plain records render as tables.
 */
import { inspect } from "node:util";
import { writeFileSync } from "node:fs";
import { bundleText, newDisplayId, sendToKernel, textIsTTY, writeText, type MimeBundle } from "./bridge.js";
import { isRecordArray, renderTableHtml, renderTableText } from "./table.js";

/** An object that knows how to render itself. Any subset of the methods is enough. */
export interface Displayable {
  toText?(): string;
  toHtml?(): string;
  /** Extra or overriding MIME types (e.g. `application/vnd.plotly.v1+json`). */
  toMimeBundle?(): MimeBundle;
}

function hasMethod(x: unknown, name: string): boolean {
  return x !== null && (typeof x === "object" || typeof x === "function") && typeof (x as Record<string, unknown>)[name] === "function";
}

/** The MIME bundle for any value: its own renderers, a table for record arrays, else `util.inspect` text. */
export function bundleOf(x: unknown): MimeBundle {
  if (typeof x === "string") return { "text/plain": x };
  if (hasMethod(x, "toMimeBundle") || hasMethod(x, "toHtml") || hasMethod(x, "toText")) {
    const d = x as Displayable;
    // toMimeBundle's types win; toText/toHtml fill the rest (a figure's 4.8 MB HTML is built once).
    const bundle: Record<string, unknown> = d.toMimeBundle ? { ...d.toMimeBundle() } : {};
    if (d.toText && !("text/plain" in bundle)) bundle["text/plain"] = d.toText();
    if (d.toHtml && !("text/html" in bundle)) bundle["text/html"] = d.toHtml();
    if (!("text/plain" in bundle)) bundle["text/plain"] = plainText(x);
    return bundle;
  }
  if (isRecordArray(x)) return { "text/plain": renderTableText(x), "text/html": renderTableHtml(x) };
  return { "text/plain": plainText(x) };
}

function plainText(x: unknown): string {
  // Values with a rich inspect hook have toText and never reach here at the top level; nested ones
  // print their one-line form without displaying anything.
  return inspect(x, { depth: 4 });
}

/**
 * Display `x`: a rich bundle (HTML + text) in Jupyter, its text on stdout elsewhere. Returns nothing, so
 * a cell ending in `show(x)` prints no extra value.
 */
export function show(x: unknown): void {
  showBundle(bundleOf(x));
}

/** Display a ready-made MIME bundle (e.g. `{"text/html": …, "text/plain": …}`). */
export function showBundle(bundle: MimeBundle): void {
  if (sendToKernel(bundle)) return;
  const text = bundleText(bundle);
  writeText(text.endsWith("\n") ? text : `${text}\n`);
}

/** Write `x`'s HTML as a standalone page (for viewing outside Jupyter). Returns the path. */
export function saveHtml(x: unknown, path: string, title = "lfads-ts"): string {
  const b = bundleOf(x);
  const body = typeof b["text/html"] === "string" ? b["text/html"] : `<pre>${escapeText(bundleText(b))}</pre>`;
  writeFileSync(path, `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeText(title)}</title></head>\n<body>\n${body}\n</body></html>\n`);
  return path;
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One display entry that can be replaced in place (progress bars, live tables). */
export interface DisplayHandle {
  /** Show `x` (anything `show` accepts) in place of the previous content. */
  update(x: unknown): void;
  /** Like `update`, with a ready-made bundle. */
  updateBundle(bundle: MimeBundle): void;
  /** Finish: outside Jupyter, ends a redrawn terminal line (no-op in Jupyter). */
  close(): void;
}

/**
 * A display that later calls replace in place: `update_display_data` in Jupyter; outside, a redrawn
 * line on a terminal, or one line per (changed) update when stdout is a file or pipe.
 */
export function newDisplay(): DisplayHandle {
  const id = newDisplayId();
  let sent = false;
  let lastText: string | undefined;
  let openLine = false;
  const updateBundle = (bundle: MimeBundle): void => {
    if (sendToKernel(bundle, id, sent)) {
      sent = true;
      return;
    }
    const text = bundleText(bundle).replace(/\n+$/, "");
    if (text === lastText) return;
    lastText = text;
    if (textIsTTY() && !text.includes("\n")) {
      writeText(`\r\x1b[2K${text}`);
      openLine = true;
    } else {
      writeText(`${openLine ? "\n" : ""}${text}\n`);
      openLine = false;
    }
  };
  return {
    update: (x) => updateBundle(bundleOf(x)),
    updateBundle,
    close: () => {
      if (openLine) writeText("\n");
      openLine = false;
      lastText = undefined;
    },
  };
}
