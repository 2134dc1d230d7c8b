/**
 * The one place that talks to Jupyter. Inside a tslab kernel it sends multi-MIME `display_data` and
 * `update_display_data` messages through the kernel's live instance; everywhere else it writes the
 * bundle's text to stdout (or to the stream or file chosen with `setTextOutput`).
 *
 * Finding the live instance (reference/ecosystem.md §1.3): a library's own `require("tslab")` may load
 * a second, inert copy ("Not ready"), so we look for the kernel's internal `tslab/dist/jupyter.js` in
 * `require.cache`: only the running kernel's copy has `lastWriteDisplayData` set. A notebook may also
 * hand its `tslab` module to `useTslab()`; that path can send only one MIME type per message.
 */
import { appendFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { kernelPlotly } from "./plots/plotly-carrier.js";

/** A Jupyter MIME bundle: MIME type → payload (text, or a JSON value for `application/*json` types). */
export type MimeBundle = { readonly [mime: string]: unknown };

type WriteDisplayData = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** The part of tslab's public module that `useTslab` needs (`import * as tslab from "tslab"`). */
export interface TslabLike {
  newDisplay(): { raw(contentType: string, payload: string | Uint8Array): unknown };
}

const JUPYTER_MODULE = /tslab[\\/]dist[\\/]jupyter\.js$/;
let liveModule: { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
let injected: TslabLike | undefined;

// The kernel loads jupyter.js before any cell runs, so a miss is rechecked only now and then (progress
// updates call this often; a scan walks every loaded module).
let missedAt = -Infinity;
const RESCAN_MS = 1000;

function liveWriter(): WriteDisplayData | undefined {
  const w = liveModule?.lastWriteDisplayData;
  if (typeof w === "function") return w;
  const now = Date.now();
  if (now - missedAt < RESCAN_MS) return undefined;
  missedAt = now;
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!JUPYTER_MODULE.test(key)) continue;
    const exp = mod?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
    // Set per execute request, so only the copy that runs the kernel has it.
    if (typeof exp?.lastWriteDisplayData === "function") {
      liveModule = exp;
      missedAt = -Infinity;
      return exp.lastWriteDisplayData;
    }
  }
  return undefined;
}

/** True inside a Jupyter kernel whose display channel we can reach. */
export function inKernel(): boolean {
  return liveWriter() !== undefined || injected !== undefined;
}

/**
 * Use this tslab module for displays (`import * as tslab from "tslab"; useTslab(tslab)`), for setups where
 * the kernel's instance cannot be found automatically. Pass `undefined` to forget it.
 */
export function useTslab(tslab: TslabLike | undefined): void {
  injected = tslab;
}

/** Where text goes outside a kernel. */
export type TextTarget = "stdout" | "stderr" | { readonly file: string } | { write(text: string): unknown; isTTY?: boolean };
let textTarget: TextTarget = "stdout";

/** Send text displays (outside Jupyter) to stdout (default), stderr, a file (appended) or any writable. */
export function setTextOutput(target: TextTarget): void {
  textTarget = target;
}

/** Write text to the current text target. */
export function writeText(text: string): void {
  const t = textTarget;
  if (t === "stdout") process.stdout.write(text);
  else if (t === "stderr") process.stderr.write(text);
  else if ("file" in t) appendFileSync(t.file, text);
  else t.write(text);
}

/** Whether the text target is an interactive terminal (so a line can be redrawn with `\r`). */
export function textIsTTY(): boolean {
  const t = textTarget;
  if (t === "stdout") return process.stdout.isTTY === true;
  if (t === "stderr") return process.stderr.isTTY === true;
  return "file" in t ? false : t.isTTY === true;
}

// Injected tslab sends one MIME type per message: the richest one the bundle has that most frontends
// render (plotly JSON needs a plotly renderer, which classic Notebook lacks; a figure's HTML draws anywhere).
const MIME_PREFERENCE = ["image/svg+xml", "text/html", "application/vnd.plotly.v1+json", "text/markdown", "text/plain"];

/** The text a bundle shows outside Jupyter. */
export function bundleText(bundle: MimeBundle): string {
  const t = bundle["text/plain"];
  if (typeof t === "string") return t;
  const md = bundle["text/markdown"];
  if (typeof md === "string") return md;
  return `[${Object.keys(bundle).join(", ")} output: shown only in Jupyter]`;
}

/** A fresh display id, as tslab makes them. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Send one bundle to the kernel. With `displayId`, the first send creates the display and later sends
 * with `update: true` replace it in place. Returns false outside a kernel (nothing sent). Inlined
 * plotly.js goes only into the session's first figure output (plots/plotly-carrier.ts).
 */
export function sendToKernel(bundle: MimeBundle, displayId?: string, update = false): boolean {
  const write = liveWriter();
  if (write) {
    const data = kernelPlotly.prepare(bundle, displayId, update);
    write({ data, metadata: {}, transient: displayId === undefined ? {} : { display_id: displayId } }, update);
    return true;
  }
  if (injected) {
    const mime = MIME_PREFERENCE.find((m) => m in bundle) ?? Object.keys(bundle)[0];
    if (mime === undefined) return true;
    const sent = kernelPlotly.prepare({ [mime]: bundle[mime] }, displayId, update);
    injectedDisplay(displayId).raw(mime, sent[mime] as string);
    return true;
  }
  return false;
}

// tslab's own Display objects track "first send vs update" themselves; keep one per display id.
const injectedDisplays = new Map<string, { raw(contentType: string, payload: string | Uint8Array): unknown }>();
function injectedDisplay(displayId: string | undefined): { raw(contentType: string, payload: string | Uint8Array): unknown } {
  if (displayId === undefined) return injected!.newDisplay();
  let d = injectedDisplays.get(displayId);
  if (!d) {
    d = injected!.newDisplay();
    injectedDisplays.set(displayId, d);
  }
  return d;
}

