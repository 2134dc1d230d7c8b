/**
 * Per-kernel GFLOP/s, wasm against native (`npm run bench:kernels`): runs bench/kernels-child.ts once per
 * kernel path (LFADS_KERNELS=wasm, =native; each in its own process, since a process picks its kernels once)
 * and prints JSON with both sides and native / wasm speed-ups per kernel, configuration and thread count, so
 * that a regression shows in the kernel where it happens.
 *
 *   node --import tsx bench/kernels.ts [--reps N] [--threads 1,2] [--async] [--paths wasm,native]
 *
 * Where the native addon is not built, its side says why and only the wasm numbers are given.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

const PATHS = ["wasm", "native"] as const;
type KernelPath = (typeof PATHS)[number];

function pathsArg(): KernelPath[] {
  const i = process.argv.indexOf("--paths");
  if (i < 0) return [...PATHS];
  const names = (process.argv[i + 1] ?? "").split(",").filter(Boolean);
  if (!names.length || names.some((n) => !(PATHS as readonly string[]).includes(n))) throw new RangeError(`--paths: expected a comma-separated subset of ${PATHS.join(",")}, got '${process.argv[i + 1]}'`);
  return names as KernelPath[];
}

type Row = Record<string, unknown> & { kernel: string; config: string; threads: number };
type Half = { kernels: string; results: Row[] } | { error: string };

function runHalf(path: KernelPath, passArgs: string[]): Half {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "kernels-child.ts"), ...passArgs], {
    env: { ...process.env, LFADS_KERNELS: path },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) return { error: r.stderr.trim().split("\n").filter((l) => !/^\s+at /.test(l)).slice(-3).join(" | ") || `exit ${String(r.status)}` };
  return JSON.parse(r.stdout) as { kernels: string; results: Row[] };
}

/** The GFLOP/s fields of a row (forward_gflops, forward_backward_gflops, forward_only_gflops). */
function gflops(row: Row): Record<string, number> {
  return Object.fromEntries(Object.entries(row).filter((e): e is [string, number] => e[0].endsWith("_gflops") && typeof e[1] === "number"));
}

function compare(wasm: Row[], native: Row[]): Record<string, unknown>[] {
  return wasm.map((w) => {
    const n = native.find((x) => x.kernel === w.kernel && x.config === w.config && x.threads === w.threads);
    const gw = gflops(w);
    const gn = n ? gflops(n) : {};
    const speedup = Object.fromEntries(Object.keys(gw).filter((k) => gn[k] !== undefined).map((k) => [k.replace("_gflops", ""), Math.round((gn[k]! / gw[k]!) * 100) / 100]));
    return { kernel: w.kernel, config: w.config, threads: w.threads, wasm_gflops: gw, native_gflops: gn, native_over_wasm: speedup };
  });
}

function main(): void {
  const passArgs = process.argv.slice(2).filter((a, i, all) => a !== "--paths" && all[i - 1] !== "--paths");
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const halves: Partial<Record<KernelPath, Half>> = {};
  for (const p of pathsArg()) {
    process.stderr.write(`[bench:kernels] ${p} kernels…\n`);
    halves[p] = runHalf(p, passArgs);
  }
  const rows = (h: Half | undefined): Row[] => (h && "results" in h ? h.results : []);
  const out = {
    bench: "kernels: wasm vs native",
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadavg_start: loadStart,
    loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100),
    kernels: Object.fromEntries(Object.entries(halves).map(([p, h]) => [p, "error" in h ? `not run: ${h.error}` : h.kernels])),
    comparison: halves.wasm && halves.native ? compare(rows(halves.wasm), rows(halves.native)) : [],
    wasm: rows(halves.wasm),
    native: rows(halves.native),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  if (Object.values(halves).every((h) => "error" in h)) process.exitCode = 1;
}

main();
