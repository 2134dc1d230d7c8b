/**
 * One headless Chromium per process, driven by playwright-core (which never downloads a browser), kept
 * alive across exports: the first export pays for the browser start and for loading the 4.8 MB
 * plotly.js bundle (≈3 s on a slow machine); later ones take a fraction of a second.
 *
 * Lifetime:
 * - the browser's pipes and process are `unref`ed while no export is running, so a script that saved a
 *   figure still exits on its own; Chromium is killed at process exit (playwright's exit hook) and the
 *   fresh temporary user-data-dir is removed then;
 * - after {@link setExportIdleTimeout} ms without an export (default 5 min) it is closed, which frees
 *   its memory in long-lived notebook kernels; the next export starts a new one;
 * - {@link closeExporter} closes it now.
 * Signals are left to the host (`handleSIGINT: false`): a Jupyter interrupt must not end the kernel.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { LfadsError } from "../../core/errors.js";
import { plotlyBundlePath } from "../plots/plotly-js.js";
import { CHROMIUM_FLAGS, findChromium } from "./chromium.js";

interface RefHandle {
  ref(): unknown;
  unref(): unknown;
}

interface Session {
  readonly executable: string;
  readonly context: BrowserContext;
  /** The page with plotly.js loaded (figure rendering). */
  readonly plotPage: Page;
  readonly userDataDir: string;
  /** Chromium's child process and its stdio pipes, ref'ed only while an export runs. */
  readonly handles: RefHandle[];
  closed: boolean;
}

let sessionPromise: Promise<Session> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let pending = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let idleMs = 5 * 60_000;
const dirsToRemove = new Set<string>();
let exitHookInstalled = false;

/** Close the browser after this many ms without an export (default 300000; `Infinity` keeps it). */
export function setExportIdleTimeout(ms: number): void {
  if (!(ms > 0)) throw new LfadsError(`setExportIdleTimeout: expected a positive number of ms, got ${ms}`);
  idleMs = ms;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Playwright's own exit hook kills the browser; the profile folder is ours to remove.
  process.on("exit", () => {
    for (const d of dirsToRemove) rmSync(d, { recursive: true, force: true });
  });
}

/** Chromium's ChildProcess and pipes among the active handles (playwright offers no handle to them). */
function browserHandles(executable: string, before: Set<unknown>): RefHandle[] {
  const getHandles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof getHandles !== "function") return [];
  const out: RefHandle[] = [];
  for (const h of getHandles.call(process)) {
    if (before.has(h)) continue;
    const cp = h as { spawnfile?: unknown; stdio?: unknown[] } & Partial<RefHandle>;
    if (cp.spawnfile !== executable || typeof cp.unref !== "function") continue;
    out.push(cp as RefHandle);
    for (const s of cp.stdio ?? []) {
      const sock = s as Partial<RefHandle> | null;
      if (sock && typeof sock.unref === "function" && typeof sock.ref === "function") out.push(sock as RefHandle);
    }
  }
  return out;
}

async function launch(): Promise<Session> {
  const executable = findChromium();
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  const userDataDir = mkdtempSync(join(tmpdir(), "lfads-chromium-"));
  dirsToRemove.add(userDataDir);
  installExitHook();
  const getHandles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  const before = new Set<unknown>(typeof getHandles === "function" ? getHandles.call(process) : []);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executable,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      viewport: { width: 1200, height: 900 },
      timeout: 60_000,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    dirsToRemove.delete(userDataDir);
    throw new LfadsError(`Could not start Chromium (${executable}) for figure export: ${(err as Error).message}`);
  }
  const handles = browserHandles(executable, before);
  const plotPage = context.pages()[0] ?? (await context.newPage());
  await plotPage.setContent("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>");
  await plotPage.addScriptTag({ path: plotlyBundlePath() });
  const s: Session = { executable, context, plotPage, userDataDir, handles, closed: false };
  context.on("close", () => {
    s.closed = true;
  });
  return s;
}

function getSession(): Promise<Session> {
  if (sessionPromise === undefined) {
    const p = launch();
    sessionPromise = p;
    p.catch(() => {
      if (sessionPromise === p) sessionPromise = undefined;
    });
  }
  return sessionPromise;
}

function setRef(s: Session, on: boolean): void {
  for (const h of s.handles) {
    try {
      if (on) h.ref();
      else h.unref();
    } catch {
      // a closed pipe cannot be (un)ref'ed; nothing to do
    }
  }
}

function scheduleIdleClose(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (!Number.isFinite(idleMs)) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (pending === 0) closeExporter().catch(() => undefined);
  }, idleMs);
  idleTimer.unref();
}

/**
 * Run `fn` with the shared browser, one call at a time (calls queue up). `fn` gets the page that has
 * plotly.js loaded (leave it as it is) and the browser context (open scratch pages there, close them).
 */
export function withBrowser<T>(fn: (plotPage: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  pending++;
  if (idleTimer !== undefined) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  const run = queue.then(async () => {
    let s = await getSession();
    if (s.closed) {
      sessionPromise = undefined;
      s = await getSession();
    }
    setRef(s, true);
    try {
      return await fn(s.plotPage, s.context);
    } finally {
      if (pending === 1) setRef(s, false);
    }
  });
  const done = () => {
    pending--;
    if (pending === 0) scheduleIdleClose();
  };
  queue = run.then(done, done);
  return run;
}

/** Run `fn` on a fresh blank page of the shared browser, closed afterwards. */
export function withScratchPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  return withBrowser(async (_plot, context) => {
    const page = await context.newPage();
    try {
      return await fn(page);
    } finally {
      await page.close().catch(() => undefined);
    }
  });
}

/** Close the export browser now, after any export in progress (a later export starts a new one). */
export function closeExporter(): Promise<void> {
  if (idleTimer !== undefined) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  const run = queue.then(async () => {
    const p = sessionPromise;
    sessionPromise = undefined;
    if (p === undefined) return;
    let s: Session;
    try {
      s = await p;
    } catch {
      return;
    }
    setRef(s, true);
    try {
      await s.context.close();
    } catch {
      // already gone
    } finally {
      setRef(s, false);
      rmSync(s.userDataDir, { recursive: true, force: true });
      dirsToRemove.delete(s.userDataDir);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Whether an export browser is running in this process. */
export function exporterRunning(): boolean {
  return sessionPromise !== undefined;
}
