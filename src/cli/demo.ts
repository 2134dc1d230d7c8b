/** `lfads demo`: the Lorenz walkthrough end to end, stage by stage (generate → prepare → …). */
import * as path from "node:path";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";
import { intOption } from "./train.js";

const DEMO_STAGES = ["generate", "prepare", "train", "posterior", "report"] as const;
export type DemoStage = (typeof DEMO_STAGES)[number];

export const demoCommand: Command = {
  name: "demo",
  summary: "run the Lorenz demo of the Run Manager docs (generate, sweep c_factors_dim, prepare, train, posterior, report)",
  usage: "[--out <dir>] [--until <stage>] [--docs] [--workers <n>] [--steps <n>] [--stitching]",
  description: [
    "Generates the docs' synthetic Lorenz datasets (3 sessions, known true rates) in <out>/datasets, builds the docs'",
    "sweep (c_factors_dim 2/4/6/8 on dataset001) in <out>/runs/example, prepares it, trains the four runs on the local",
    "worker pool (--workers at a time, default half the cores), samples their posteriors, scores the inferred rates",
    "against the true rates, prints a table of R² per run and writes <out>/runs/example/report.html.",
    "Default: the recommended CPU setting (10-ms bins, 20 trials per condition of 500 ms, batch 100, learning rate",
    "0.01, KL/L2 ramps over 300 steps, l2_gen_scale 50) with a 16-dimensional initial condition (c_ic_dim 16),",
    "2400 steps per run, 16 posterior samples per trial.",
    "--docs: the docs' exact 2-ms setting (spikeBinMs 2, c_batch_size 150, c_learning_rate_stop 1e-3; the documented",
    "param_/data_ hashes), 1000 steps per run and 64 samples; it learns slowly on a CPU (README, Fit quality).",
    "--quick is the default (kept for earlier scripts). --steps overrides the training steps per run.",
    `Stages: ${DEMO_STAGES.join(" → ")}; --until stops after one. Existing files are reused, so a second call resumes.`,
    "--stitching: the docs' multi-session example instead: params first_attempt_stitching (c_factors_dim 8, useAlignmentMatrix;",
    "param_Qr2PeG data_RE1kuL), RunSpec 'all' over datasets 1-3 plus one single-dataset spec each, in <out>/runs/exampleStitching,",
    "and the alignment reconstruction figure there (alignment_reconstruction.html/.svg); with --quick, small data and budget.",
  ].join("\n"),
  options: [
    { name: "out", type: "string", valueName: "<dir>", help: "output folder (default ./lfads_demo)" },
    { name: "until", type: "string", valueName: "<stage>", choices: DEMO_STAGES, help: "stop after this stage" },
    { name: "docs", type: "boolean", help: "the docs' exact 2-ms setting and hashes (slow on a CPU)" },
    { name: "quick", type: "boolean", help: "the default CPU setting (an alias, kept for earlier scripts); with --stitching: small data" },
    { name: "workers", type: "number", valueName: "<n>", help: "runs trained at the same time (default half the cores)" },
    { name: "steps", type: "number", valueName: "<n>", help: "training steps per run (default 2400; --docs 1000)" },
    { name: "stitching", type: "boolean", help: "the multi-session (stitching) example over the three datasets" },
  ],
  async run(args, io) {
    const { buildLorenzDemo, CPU_LORENZ, DEMO_PARAMS, DEMO_STEPS } = await import("../demo/lorenz-demo.js");
    const { prepare } = await import("../prepare/prepare.js");
    const out = path.resolve(String(args.options.out ?? "lfads_demo"));
    const until = (args.options.until as DemoStage | undefined) ?? DEMO_STAGES[DEMO_STAGES.length - 1]!;
    const docs = Boolean(args.options.docs);
    if (docs && args.options.quick) throw new UsageError("--docs and --quick choose different settings; give one of them");
    const workers = intOption(args, "workers", 1);
    const steps = intOption(args, "steps", 1);
    const stop = (s: DemoStage) => DEMO_STAGES.indexOf(s) >= DEMO_STAGES.indexOf(until);
    const log = (line: string) => io.out(`${line}\n`);
    if (args.options.stitching) {
      const { runStitchingDemoCli } = await import("../demo/stitching-demo.js");
      await runStitchingDemoCli({ out, quick: Boolean(args.options.quick), stages: DEMO_STAGES, until, log });
      return 0;
    }

    const t0 = Date.now();
    log(`[generate] Lorenz datasets in ${path.join(out, "datasets")}`);
    const demo = await buildLorenzDemo({ out, log, ...(docs ? {} : { lorenz: CPU_LORENZ, params: DEMO_PARAMS }) });
    log((await demo.dc.infoTable()).text);
    if (stop("generate")) return 0;

    log(`[prepare] ${demo.rc.path}`);
    const res = await prepare(demo.rc, { onProgress: (e) => log(`  ${e.done}/${e.total} ${e.message}`) });
    log(`  ${res.written.length} input files written, ${res.kept.length} kept, ${res.linked.length} links`);
    log("");
    log(demo.rc.summary());
    if (stop("prepare")) return 0;

    const { runDemoStages } = await import("../demo/demo-stages.js");
    await runDemoStages({
      rc: demo.rc,
      budget: { maxSteps: steps ?? (docs ? 1000 : DEMO_STEPS), posteriorSamples: docs ? 64 : 16 },
      log,
      until: until as "train" | "posterior" | "report",
      title: `LFADS Lorenz demo: ${demo.rc.name}`,
      ...(workers !== undefined ? { workers } : {}),
    });
    log(`lfads demo: ${((Date.now() - t0) / 60000).toFixed(1)} min`);
    return 0;
  },
};
