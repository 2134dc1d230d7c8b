/**
 * Benchmark harness: lfads-ts training-step time against the PyTorch peer, measured in the same run on the
 * same machine. Run: `node --import tsx bench/run.ts` (from the repository root).
 *
 * For each case: the peer (bench/peer/lfads_peer.py) at 1 and 2 threads, the faster of the two being
 * `peer_ms`; then "ours" (bench/ours.ts) in a child process of its own, so that its peak RSS is the
 * case's: once on the wasm kernels (`ours_*`, `ratio`, `gflops`, `peak_rss_mb`) and once on the native
 * ones (`native_*`; null with the reason in `skipped` where the addon is not built). Writes
 * bench/results/latest.json.
 *
 * For the seed cases (lorenz_seed_noco, lorenz_seed_co) also posterior-sampling throughput
 * (bench/posterior-throughput.ts, in a child process): ours as a user gets it — samplePosterior writing
 * posterior_sample_and_average files at the default 512 samples per trial, in trials/s — and the raw
 * forward samples/s, next to the peer's `--mode infer` (1 thread) in the same run; see `posterior`.
 *
 * Environment:
 *   LFADS_BENCH_STEPS   timed steps per measurement (default 10); warmup is 2, or 1 below 5 steps
 *   LFADS_BENCH_WARMUP  untimed steps (overrides the above)
 *   LFADS_BENCH_CASES   comma-separated case names to run (default all)
 *   LFADS_BENCH_PYTHON  the interpreter for the peer (default: the first python3 that imports torch and h5py)
 *   LFADS_BENCH_OUT     output file (default bench/results/latest.json)
 *   LFADS_BENCH_POSTERIOR_REPS    reps of each posterior measurement (default 3; 0 skips them)
 *   LFADS_BENCH_POSTERIOR_TRIALS  train trials sampled per rep (default 2, plus 1 valid trial)
 *   LFADS_BENCH_KERNELS  which kernel paths to time: wasm,native (default both)
 *
 * A quick end-to-end check: LFADS_BENCH_CASES=lorenz_seed_noco LFADS_BENCH_STEPS=2 LFADS_BENCH_POSTERIOR_TRIALS=1
 * LFADS_BENCH_POSTERIOR_REPS=1 npm run bench
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../src/io/atomic.js";
import { BENCH_CASES, type BenchCase } from "./cases.js";
import { trainFlops } from "./flops.js";
import type { OursTiming } from "./ours.js";
import type { PosteriorThroughput } from "./posterior-throughput.js";
import { runPeer, type PeerTiming } from "./peer.js";
import { describeSearch, findTorchPython } from "./python.js";

const ROOT = path.resolve(__dirname, "..");
const PEER_THREADS = [1, 2] as const;
/** Cases whose posterior-sampling throughput is measured too. */
const POSTERIOR_CASES: readonly string[] = ["lorenz_seed_noco", "lorenz_seed_co"];

/** Posterior-sampling throughput of one case (bench/posterior-throughput.ts). */
export interface PosteriorResult {
  /** posterior samples per trial (num_samples_posterior default) */
  num_samples: number;
  /** trials sampled per rep (train + valid) and reps */
  trials: number;
  reps: number;
  /** samplePosterior posterior_sample_and_average, trials/s of file writing (median over reps) */
  ours_sample_and_average_trials_per_s: number | null;
  /** rows per decoder pass samplePosterior chose (its default memory bound) */
  ours_batch_trials: number | null;
  /** one full forward pass (encoders + decoder, sampled latents, rates read back) over B rows, rows/s */
  ours_forward_samples_per_s: number | null;
  /** the peer's --mode infer (full forward under no_grad, 1 thread), rows/s */
  peer_forward_samples_per_s: number | null;
  /** peer rows/s ÷ num_samples: sample-and-average with a full forward pass per sample (the peer writes no files) */
  peer_sample_and_average_trials_per_s: number | null;
  /** ours / peer sample-and-average trials/s (above 1: we are faster) */
  sample_and_average_speedup: number | null;
  /** the same three on the native kernels (null where they did not run) */
  native_sample_and_average_trials_per_s: number | null;
  native_forward_samples_per_s: number | null;
  native_sample_and_average_speedup: number | null;
  loadavg_start: number[];
  loadavg_end: number[];
  skipped?: string[];
}

export interface CaseResult {
  name: string;
  ours_ms: number | null;
  /** CPU time of ours per step (median; all threads of the process), ms: less sensitive to machine load */
  ours_cpu_ms: number | null;
  peer_ms: number | null;
  peer_threads: number | null;
  /** ours_ms / peer_ms (below 1: we are faster) */
  ratio: number | null;
  /** training FLOPs of the step (bench/flops.ts) / ours_ms, in GFLOP/s */
  gflops: number | null;
  /** peak RSS of the child process that timed ours, MiB */
  peak_rss_mb: number | null;
  train_flops: number;
  peer_gflops: number | null;
  peer_peak_rss_mb: number | null;
  /** every peer measurement, by thread count */
  peer_runs: { threads: number; median_ms: number; mean_ms: number; peak_rss_mb: number }[];
  ours_backend: string | null;
  /** the fused-kernel build and thread count (gru.wasm or gru-fma.wasm) */
  ours_kernels: string | null;
  /** the same step on the native kernels (LFADS_KERNELS=native): wall ms (median), CPU ms, native / peer, GFLOP/s, peak RSS MiB */
  native_ms: number | null;
  native_cpu_ms: number | null;
  native_ratio: number | null;
  native_gflops: number | null;
  native_peak_rss_mb: number | null;
  /** the native variant, vector width and threads */
  native_kernels: string | null;
  /** why ours or the peer has no number, if so */
  skipped?: string[];
  steps: number;
  warmup: number;
  /** posterior-sampling throughput (seed cases only) */
  posterior?: PosteriorResult;
}

export interface BenchReport {
  machine: {
    cpu: string;
    cores: number;
    node: string;
    date: string;
    /** 1/5/15-minute load averages before and after the run: the machine may be shared */
    loadavg_start: number[];
    loadavg_end: number[];
    python: string | null;
    torch_version: string | null;
    blas: string[];
  };
  cases: CaseResult[];
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got '${raw}'`);
  return v;
}

function selectedCases(): BenchCase[] {
  const raw = process.env.LFADS_BENCH_CASES;
  if (!raw) return [...BENCH_CASES];
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const known = new Map(BENCH_CASES.map((c) => [c.name, c]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) throw new RangeError(`LFADS_BENCH_CASES: unknown case(s) ${unknown.join(", ")} (known: ${[...known.keys()].join(", ")})`);
  return names.map((n) => known.get(n)!);
}

type KernelPath = "wasm" | "native";
const KERNEL_PATHS: readonly KernelPath[] = ["wasm", "native"];

function selectedKernelPaths(): KernelPath[] {
  const raw = process.env.LFADS_BENCH_KERNELS;
  if (!raw) return [...KERNEL_PATHS];
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(KERNEL_PATHS as readonly string[]).includes(n));
  if (bad.length || !names.length) throw new RangeError(`LFADS_BENCH_KERNELS: expected a comma-separated subset of ${KERNEL_PATHS.join(",")}, got '${raw}'`);
  return names as KernelPath[];
}

type OursChildResult = { ok: OursTiming } | { skipped: string } | { failed: string };

/** Time "ours" for one case in a fresh Node process (peak RSS is then the case's alone). */
function runOursChild(c: BenchCase, steps: number, warmup: number, kernels: KernelPath): OursChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "ours-child.ts"), JSON.stringify(c), String(steps), String(warmup)], {
    cwd: ROOT,
    env: { ...process.env, LFADS_KERNELS: kernels },
    encoding: "utf8",
    timeout: 3_600_000,
    maxBuffer: 16 << 20,
  });
  if (r.error) return { failed: `child did not run: ${r.error.message}` };
  if (r.status !== 0) {
    const how = r.signal ? `signal ${r.signal}` : `exit ${String(r.status)}`;
    const message = r.stderr.trim().split("\n").filter((l) => !/^\s+at /.test(l)); // stack frames say little here
    return { failed: `child failed (${how}): ${message.slice(-5).join(" | ")}` };
  }
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const parsed = JSON.parse(last) as OursTiming | { skipped: string };
    return "skipped" in parsed ? { skipped: parsed.skipped } : { ok: parsed };
  } catch {
    return { failed: `child printed no JSON: ${JSON.stringify(r.stdout.slice(-300))}` };
  }
}

/** Posterior-sampling throughput of case `c` (ours and the peer) in a child process. */
function runPosteriorChild(c: BenchCase, reps: number, trials: number, withPeer: boolean, kernels: KernelPath): PosteriorResult {
  const index = BENCH_CASES.findIndex((b) => b.name === c.name);
  const args = [path.join(__dirname, "posterior-throughput.ts"), String(index), String(reps), "--trials", String(trials), ...(withPeer ? [] : ["--no-peer"])];
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, LFADS_KERNELS: kernels }, encoding: "utf8", timeout: 3_600_000, maxBuffer: 16 << 20 });
  const empty: PosteriorResult = {
    num_samples: 0, trials: trials + 1, reps, ours_sample_and_average_trials_per_s: null, ours_batch_trials: null, ours_forward_samples_per_s: null,
    peer_forward_samples_per_s: null, peer_sample_and_average_trials_per_s: null, sample_and_average_speedup: null, loadavg_start: [], loadavg_end: [],
    native_sample_and_average_trials_per_s: null, native_forward_samples_per_s: null, native_sample_and_average_speedup: null,
  };
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `${r.signal ? `signal ${r.signal}` : `exit ${String(r.status)}`}: ${r.stderr.trim().split("\n").filter((l) => !/^\s+at /.test(l)).slice(-5).join(" | ")}`;
    return { ...empty, skipped: [`posterior child failed: ${why}`] };
  }
  let p: PosteriorThroughput;
  try {
    p = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as PosteriorThroughput;
  } catch {
    return { ...empty, skipped: [`posterior child printed no JSON: ${JSON.stringify(r.stdout.slice(-300))}`] };
  }
  const skipped: string[] = [];
  const peer = p.peer && !("error" in p.peer) ? p.peer : null;
  if (p.peer && "error" in p.peer) skipped.push(`peer --mode infer: ${p.peer.error}`);
  if (!withPeer) skipped.push("peer: no Python with torch");
  const ours = p.ours.sample_and_average?.trials_per_s ?? null;
  const peerSa = peer?.sample_and_average_trials_per_s ?? null;
  return {
    num_samples: p.num_samples, trials: p.ours.sample_and_average?.trials ?? trials + 1, reps,
    ours_sample_and_average_trials_per_s: ours, ours_batch_trials: p.ours.sample_and_average?.batch_trials ?? null,
    ours_forward_samples_per_s: p.ours.forward?.samples_per_s ?? null,
    peer_forward_samples_per_s: peer?.samples_per_s ?? null, peer_sample_and_average_trials_per_s: peerSa,
    sample_and_average_speedup: ours !== null && peerSa !== null ? ours / peerSa : null,
    native_sample_and_average_trials_per_s: null, native_forward_samples_per_s: null, native_sample_and_average_speedup: null,
    loadavg_start: p.loadavg_start, loadavg_end: p.loadavg_end,
    ...(skipped.length ? { skipped } : {}),
  };
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Times ours on one kernel path in its own process; undefined (the reason pushed to `skipped`) if it has no number. */
function timeOurs(c: BenchCase, steps: number, warmup: number, kernels: KernelPath, skipped: string[]): OursTiming | undefined {
  const who = kernels === "wasm" ? "ours" : "ours (native)";
  log(`${c.name}: ${who}, ${steps} steps (+${warmup} warmup), separate process, LFADS_KERNELS=${kernels}`);
  const r = runOursChild(c, steps, warmup, kernels);
  if ("ok" in r) {
    log(`${c.name}: ${who} median ${r.ok.median_ms.toFixed(1)} ms (${r.ok.backend}; kernels ${r.ok.kernels})`);
    return r.ok;
  }
  const why = "skipped" in r ? r.skipped : r.failed;
  skipped.push(`${who}: ${why}`);
  log(`${c.name}: ${who} has no number: ${why}`);
  return undefined;
}

/** Posterior throughput on the wasm kernels with the peer, then (without the peer) on the native ones. */
function measurePosterior(c: BenchCase, reps: number, trials: number, withPeer: boolean, paths: readonly KernelPath[]): PosteriorResult {
  const f = (v: number | null, d: number): string => (v === null ? "—" : v.toFixed(d));
  log(`${c.name}: posterior sampling (sample-and-average, ${trials}+1 trials, and forward) on ${paths.join(" and ")} kernels and the peer's infer, ${reps} reps, separate processes`);
  const wasm = paths.includes("wasm") ? runPosteriorChild(c, reps, trials, withPeer, "wasm") : undefined;
  const native = paths.includes("native") ? runPosteriorChild(c, reps, trials, withPeer && !wasm, "native") : undefined;
  const base = wasm ?? native!;
  const nativeSa = native?.ours_sample_and_average_trials_per_s ?? null;
  const peerSa = base.peer_sample_and_average_trials_per_s;
  const skipped = [...(wasm?.skipped ?? []), ...(native?.skipped ?? []).map((s) => `native: ${s}`)];
  const result: PosteriorResult = {
    ...base,
    ...(wasm ? {} : { ours_sample_and_average_trials_per_s: null, ours_forward_samples_per_s: null, ours_batch_trials: null, sample_and_average_speedup: null }),
    native_sample_and_average_trials_per_s: nativeSa,
    native_forward_samples_per_s: native?.ours_forward_samples_per_s ?? null,
    native_sample_and_average_speedup: nativeSa !== null && peerSa !== null ? nativeSa / peerSa : null,
    loadavg_end: (native ?? base).loadavg_end,
    ...(skipped.length ? { skipped } : {}),
  };
  if (!skipped.length) delete result.skipped;
  log(`${c.name}: posterior sample-and-average ours ${f(result.ours_sample_and_average_trials_per_s, 3)} (native ${f(nativeSa, 3)}) trials/s, peer ${f(peerSa, 3)} trials/s (${result.num_samples} samples)`);
  return result;
}

function printSummary(results: readonly CaseResult[]): void {
  for (const r of results) {
    const f = (v: number | null, d = 1) => (v === null ? "—" : v.toFixed(d));
    console.log(`${r.name.padEnd(20)} ours ${f(r.ours_ms).padStart(9)} ms (cpu ${f(r.ours_cpu_ms)})  peer ${f(r.peer_ms).padStart(9)} ms (${r.peer_threads ?? "—"}T)  ratio ${f(r.ratio, 2)}  ${f(r.gflops, 2)} GFLOP/s  rss ${f(r.peak_rss_mb, 0)} MiB`);
    console.log(`${"".padEnd(20)} native ${f(r.native_ms).padStart(7)} ms (cpu ${f(r.native_cpu_ms)})  ratio ${f(r.native_ratio, 2)}  ${f(r.native_gflops, 2)} GFLOP/s  rss ${f(r.native_peak_rss_mb, 0)} MiB  (${r.native_kernels ?? "—"})`);
    const p = r.posterior;
    if (p) {
      console.log(`${"".padEnd(20)} posterior (${p.num_samples} samples/trial): ours ${f(p.ours_sample_and_average_trials_per_s, 3)} trials/s (forward ${f(p.ours_forward_samples_per_s, 0)} samples/s), native ${f(p.native_sample_and_average_trials_per_s, 3)} trials/s (forward ${f(p.native_forward_samples_per_s, 0)} samples/s)  peer ${f(p.peer_sample_and_average_trials_per_s, 3)} trials/s (forward ${f(p.peer_forward_samples_per_s, 0)} samples/s)  ours/peer ${f(p.sample_and_average_speedup, 2)}`);
    }
  }
}

async function main(): Promise<void> {
  const steps = envInt("LFADS_BENCH_STEPS", 10, 1);
  const warmup = envInt("LFADS_BENCH_WARMUP", steps >= 5 ? 2 : 1, 0);
  const cases = selectedCases();
  const posteriorReps = envInt("LFADS_BENCH_POSTERIOR_REPS", 3, 0);
  const posteriorTrials = envInt("LFADS_BENCH_POSTERIOR_TRIALS", 2, 1);
  const paths = selectedKernelPaths();
  const out = process.env.LFADS_BENCH_OUT ? path.resolve(process.env.LFADS_BENCH_OUT) : path.join(__dirname, "results", "latest.json");
  const loadStart = os.loadavg();
  const search = findTorchPython();
  const python = search.found?.python ?? null;
  if (python) log(`peer python: ${describeSearch(search)}`);
  else log(`peer skipped: ${describeSearch(search)}`);

  const results: CaseResult[] = [];
  let blas: string[] = [];
  for (const c of cases) {
    const skipped: string[] = [];
    const flops = trainFlops(c);
    const peerRuns: CaseResult["peer_runs"] = [];
    if (python) {
      for (const threads of PEER_THREADS) {
        log(`${c.name}: peer, ${threads} thread(s), ${steps} steps (+${warmup} warmup)`);
        try {
          const t = runPeer<PeerTiming>(python, "time", c, {
            args: ["--threads", String(threads), "--steps", String(steps), "--warmup", String(warmup)],
          });
          peerRuns.push({ threads, median_ms: t.median_ms, mean_ms: t.mean_ms, peak_rss_mb: t.peak_rss_mb });
          blas = t.blas;
          log(`${c.name}: peer ${threads}T median ${t.median_ms.toFixed(1)} ms`);
        } catch (err) {
          skipped.push(`peer at ${threads} thread(s): ${(err as Error).message}`);
        }
      }
    } else {
      skipped.push(`peer: ${describeSearch(search)}`);
    }
    const best = peerRuns.reduce<(typeof peerRuns)[number] | undefined>((a, r) => (a === undefined || r.median_ms < a.median_ms ? r : a), undefined);

    const wasm = paths.includes("wasm") ? timeOurs(c, steps, warmup, "wasm", skipped) : undefined;
    const native = paths.includes("native") ? timeOurs(c, steps, warmup, "native", skipped) : undefined;
    const posterior = posteriorReps > 0 && POSTERIOR_CASES.includes(c.name) ? measurePosterior(c, posteriorReps, posteriorTrials, python !== null, paths) : undefined;

    const peerMs = best?.median_ms ?? null;
    const oursMs = wasm?.median_ms ?? null;
    const nativeMs = native?.median_ms ?? null;
    results.push({
      name: c.name,
      ours_ms: oursMs,
      ours_cpu_ms: wasm?.median_cpu_ms ?? null,
      peer_ms: peerMs,
      peer_threads: best?.threads ?? null,
      ratio: oursMs !== null && peerMs !== null ? oursMs / peerMs : null,
      gflops: oursMs !== null ? flops / (oursMs / 1000) / 1e9 : null,
      peak_rss_mb: wasm?.peak_rss_mb ?? null,
      train_flops: flops,
      peer_gflops: peerMs !== null ? flops / (peerMs / 1000) / 1e9 : null,
      peer_peak_rss_mb: best?.peak_rss_mb ?? null,
      peer_runs: peerRuns,
      ours_backend: wasm?.backend ?? native?.backend ?? null,
      ours_kernels: wasm?.kernels ?? null,
      native_ms: nativeMs,
      native_cpu_ms: native?.median_cpu_ms ?? null,
      native_ratio: nativeMs !== null && peerMs !== null ? nativeMs / peerMs : null,
      native_gflops: nativeMs !== null ? flops / (nativeMs / 1000) / 1e9 : null,
      native_peak_rss_mb: native?.peak_rss_mb ?? null,
      native_kernels: native?.kernels ?? null,
      ...(skipped.length ? { skipped } : {}),
      steps,
      warmup,
      ...(posterior ? { posterior } : {}),
    });
  }

  const cpus = os.cpus();
  const report: BenchReport = {
    machine: {
      cpu: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      node: process.version,
      date: new Date().toISOString(),
      loadavg_start: loadStart,
      loadavg_end: os.loadavg(),
      python,
      torch_version: search.found?.torchVersion ?? null,
      blas,
    },
    cases: results,
  };
  writeFileAtomic(out, JSON.stringify(report, null, 2) + "\n");
  log(`wrote ${path.relative(process.cwd(), out)}`);
  printSummary(results);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
