/**
 * Fit-quality grid (issue #20): every setting of bench/fit-settings.ts on several data seeds (datasets
 * nobody tuned on) × model seeds, each case trained and scored as a user would (bench/fit-case.ts, one
 * child process per case). Writes bench/results/fit.json after every case:
 *
 *   { machine, cases: [{ name, params, data_seed, model_seed, steps, lve_step, r2_lve, r2_final, minutes, … }],
 *     summary: [{ name, n, r2_lve_mean, r2_lve_sd, r2_lve_min, r2_final_mean, r2_final_sd, r2_final_min, worst_drop }] }
 *
 * Cases already in the output with the same name, params, seeds and steps are kept and not run again, so
 * a killed grid resumes; a killed case resumes from its work folder.
 *
 * Environment:
 *   LFADS_FIT_SETTINGS     comma-separated setting names (default all, in FIT_SETTINGS order)
 *   LFADS_FIT_DATA_SEEDS   data seeds (default 11,12,13)
 *   LFADS_FIT_MODEL_SEEDS  model seeds (default 0,1)
 *   LFADS_FIT_PARAMS       JSON of RunParams values applied on top of every setting (for trying alternatives; the
 *                          cases are named "<setting>[key=value,…]")
 *   LFADS_FIT_STEPS        training steps of every setting (default each setting's own; for a quick check)
 *   LFADS_FIT_JOBS         cases run at once (default 2, each with LFADS_THREADS = cores / jobs)
 *   LFADS_FIT_OUT          output file (default bench/results/fit.json)
 *   LFADS_FIT_WORK         work folder (default <tmp>/lfads-fit-work); a case's folder is removed when it is done
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../src/io/atomic.js";
import { RunParams } from "../src/params/run-params.js";
import type { FitCaseInput, FitCaseResult } from "./fit-case.js";
import { FIT_SETTINGS, type FitSetting } from "./fit-settings.js";

const ROOT = path.resolve(__dirname, "..");

interface FitSummary {
  name: string;
  n: number;
  r2_lve_mean: number;
  r2_lve_sd: number;
  r2_lve_min: number;
  r2_final_mean: number;
  r2_final_sd: number;
  r2_final_min: number;
  /** Largest r2_lve − r2_final over the cases (how far a run ends below its best checkpoint). */
  worst_drop: number;
}

interface FitJson {
  machine: { cpu: string; cores: number; node: string; date: string; loadavg_start: number[] };
  cases: FitCaseResult[];
  summary: FitSummary[];
}

function numbers(env: string | undefined, fallback: number[]): number[] {
  if (!env) return fallback;
  const xs = env.split(",").map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x))) throw new Error(`expected comma-separated integers, got '${env}'`);
  return xs;
}

function settings(): FitSetting[] {
  const over = process.env["LFADS_FIT_PARAMS"] ? (JSON.parse(process.env["LFADS_FIT_PARAMS"]) as FitSetting["params"]) : {};
  const names = process.env["LFADS_FIT_SETTINGS"]?.split(",").map((s) => s.trim());
  const known = FIT_SETTINGS.map((s) => s.name);
  for (const n of names ?? []) if (!known.includes(n)) throw new Error(`LFADS_FIT_SETTINGS: unknown setting '${n}' (known: ${known.join(", ")})`);
  const steps = process.env["LFADS_FIT_STEPS"] ? numbers(process.env["LFADS_FIT_STEPS"], [])[0] : undefined;
  // An override names the variant, so that its cases are summarised apart from the setting's own.
  const variant = Object.entries(over).map(([k, v]) => `${k}=${String(v)}`).join(",");
  return FIT_SETTINGS.filter((s) => !names || names.includes(s.name)).map((s) => ({
    ...s,
    name: variant ? `${s.name}[${variant}]` : s.name,
    params: { ...s.params, ...over },
    ...(steps ? { steps } : {}),
  }));
}

/** The params a case of setting `s` records (what params.json stores). */
const paramsJson = (s: FitSetting): string => JSON.stringify(new RunParams({ name: s.name, ...s.params }).toJSON());

const sameCase = (a: FitCaseResult, s: FitSetting, ds: number, ms: number): boolean =>
  a.name === s.name && a.data_seed === ds && a.model_seed === ms && a.steps >= s.steps && JSON.stringify(a.params) === paramsJson(s);

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

export function summarise(cases: readonly FitCaseResult[]): FitSummary[] {
  const names = [...new Set(cases.map((c) => c.name))];
  return names.map((name) => {
    const cs = cases.filter((c) => c.name === name);
    const lve = cs.map((c) => c.r2_lve ?? NaN);
    const fin = cs.map((c) => c.r2_final);
    return {
      name, n: cs.length,
      r2_lve_mean: mean(lve), r2_lve_sd: sd(lve), r2_lve_min: Math.min(...lve),
      r2_final_mean: mean(fin), r2_final_sd: sd(fin), r2_final_min: Math.min(...fin),
      worst_drop: Math.max(...cs.map((c) => (c.r2_lve ?? c.r2_final) - c.r2_final)),
    };
  });
}

function runChild(input: FitCaseInput, threads: number, tag: string): Promise<FitCaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "fit-case.ts"), JSON.stringify(input)], {
      cwd: ROOT,
      env: { ...process.env, LFADS_THREADS: String(threads) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) if (line.trim()) process.stdout.write(`[${tag}] ${line}\n`);
    });
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as FitCaseResult);
      else reject(new Error(`case ${tag} exited with code ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const out = process.env["LFADS_FIT_OUT"] ?? path.join(ROOT, "bench", "results", "fit.json");
  const work = process.env["LFADS_FIT_WORK"] ?? path.join(os.tmpdir(), "lfads-fit-work");
  const jobs = Math.max(1, Number(process.env["LFADS_FIT_JOBS"] ?? 2));
  const threads = Math.max(1, Math.floor(os.cpus().length / jobs));
  const dataSeeds = numbers(process.env["LFADS_FIT_DATA_SEEDS"], [11, 12, 13]);
  const modelSeeds = numbers(process.env["LFADS_FIT_MODEL_SEEDS"], [0, 1]);
  const prev: FitJson | undefined = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as FitJson) : undefined;
  const json: FitJson = {
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version, date: new Date().toISOString(), loadavg_start: os.loadavg() },
    cases: [],
    summary: [],
  };
  const todo: { input: FitCaseInput; tag: string }[] = [];
  for (const s of settings()) {
    for (const ds of dataSeeds) {
      for (const ms of modelSeeds) {
        const done = prev?.cases.find((c) => sameCase(c, s, ds, ms));
        const tag = `${s.name} data ${ds} model ${ms}`;
        if (done) {
          json.cases.push(done);
          console.log(`[${tag}] kept from ${out}: r2_lve ${done.r2_lve?.toFixed(3)} r2_final ${done.r2_final.toFixed(3)}`);
        } else todo.push({ input: { setting: s, dataSeed: ds, modelSeed: ms, work: path.join(work, `${s.name}_d${ds}_m${ms}`) }, tag });
      }
    }
  }
  const rank = (c: FitCaseResult): number => FIT_SETTINGS.findIndex((s) => c.name === s.name || c.name.startsWith(`${s.name}[`));
  const save = (): void => {
    // The recommended setting first (FIT_SETTINGS order), then by seeds.
    json.cases.sort((a, b) => rank(a) - rank(b) || a.data_seed - b.data_seed || a.model_seed - b.model_seed);
    json.summary = summarise(json.cases);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    writeFileAtomic(out, `${JSON.stringify(json, null, 2)}\n`);
  };
  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      console.log(`[${next.tag}] started (${threads} thread${threads > 1 ? "s" : ""})`);
      const r = await runChild(next.input, threads, next.tag);
      json.cases.push(r);
      save();
      fs.rmSync(next.input.work, { recursive: true, force: true });
      console.log(`[${next.tag}] done in ${r.minutes.toFixed(1)} min: r2_lve ${r.r2_lve?.toFixed(3)} (step ${r.lve_step}) r2_final ${r.r2_final.toFixed(3)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, queue.length)) }, worker));
  save();
  for (const s of json.summary) {
    console.log(`${s.name}: n ${s.n}, valid R² at LVE ${s.r2_lve_mean.toFixed(3)} ± ${s.r2_lve_sd.toFixed(3)} (worst ${s.r2_lve_min.toFixed(3)}), final ${s.r2_final_mean.toFixed(3)} ± ${s.r2_final_sd.toFixed(3)} (worst ${s.r2_final_min.toFixed(3)}), largest drop LVE → final ${s.worst_drop.toFixed(3)}`);
  }
  console.log(`wrote ${out}`);
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join("bench", "fit.ts"))) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
