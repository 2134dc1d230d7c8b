/** `lfads demo`: the Lorenz walkthrough end to end, stage by stage (generate → prepare → …). */
import * as path from "node:path";
import type { Command } from "./command.js";

const DEMO_STAGES = ["generate", "prepare", "train", "posterior", "report"] as const;
export type DemoStage = (typeof DEMO_STAGES)[number];

export const demoCommand: Command = {
  name: "demo",
  summary: "run the Lorenz demo of the Run Manager docs (generate, sweep c_factors_dim, prepare, train, posterior, report)",
  usage: "[--out <dir>] [--until <stage>] [--quick] [--stitching]",
  description: [
    "Generates the synthetic Lorenz datasets (3 sessions, known true rates) in <out>/datasets, builds the docs'",
    "sweep (spikeBinMs 2, c_co_dim 0, c_batch_size 150, c_gen_dim 64, c_ic_enc_dim 64, c_learning_rate_stop 1e-3,",
    "c_factors_dim 2/4/6/8) on dataset001, prepares <out>/runs/example, trains the four runs (up to 1000 steps each),",
    "samples their posteriors (64 samples per trial), scores the rates against the true rates and writes",
    "<out>/runs/example/report.html. --quick: 10-ms bins (50 per trial), a faster-learning setting and 600 steps per run.",
    `Stages: ${DEMO_STAGES.join(" → ")}; --until stops after one. Existing files are reused, so a second call resumes.`,
    "--stitching: the docs' multi-session example instead: params first_attempt_stitching (c_factors_dim 8, useAlignmentMatrix;",
    "param_Qr2PeG data_RE1kuL), RunSpec 'all' over datasets 1-3 plus one single-dataset spec each, in <out>/runs/exampleStitching,",
    "and the alignment reconstruction figure there (alignment_reconstruction.html/.svg).",
  ].join("\n"),
  options: [
    { name: "out", type: "string", valueName: "<dir>", help: "output folder (default ./lfads_demo)" },
    { name: "until", type: "string", valueName: "<stage>", choices: DEMO_STAGES, help: "stop after this stage" },
    { name: "quick", type: "boolean", help: "smaller data and training budget, for a fast look" },
    { name: "stitching", type: "boolean", help: "the multi-session (stitching) example over the three datasets" },
  ],
  async run(args, io) {
    const { buildLorenzDemo } = await import("../demo/lorenz-demo.js");
    const { prepare } = await import("../prepare/prepare.js");
    const out = path.resolve(String(args.options.out ?? "lfads_demo"));
    const until = (args.options.until as DemoStage | undefined) ?? DEMO_STAGES[DEMO_STAGES.length - 1]!;
    const quick = Boolean(args.options.quick);
    const stop = (s: DemoStage) => DEMO_STAGES.indexOf(s) >= DEMO_STAGES.indexOf(until);
    const log = (line: string) => io.out(`${line}\n`);
    if (args.options.stitching) {
      const { runStitchingDemoCli } = await import("../demo/stitching-demo.js");
      await runStitchingDemoCli({ out, quick, stages: DEMO_STAGES, until, log });
      return 0;
    }

    log(`[generate] Lorenz datasets in ${path.join(out, "datasets")}`);
    const demo = await buildLorenzDemo({ out, log, ...(quick ? QUICK : {}) });
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
      budget: quick ? { maxSteps: 600, posteriorSamples: 16 } : { maxSteps: 1000, posteriorSamples: 64 },
      log,
      until: until as "train" | "posterior" | "report",
      title: `LFADS Lorenz demo: ${demo.rc.name}`,
    });
    return 0;
  },
};

/**
 * `--quick`: the docs' 65 conditions but 20 trials each, 10-ms bins (T = 50) and a setting that learns
 * within a few hundred steps (larger learning rate, short KL/L2 ramps, weaker L2); found by the
 * convergence study behind test/train/lorenz-fit.test.ts. Hashes differ from the docs' (other params).
 */
const QUICK = {
  lorenz: { nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, nTime: 500 },
  params: { spikeBinMs: 10, c_batch_size: 100, c_learning_rate_init: 0.02, c_learning_rate_decay_factor: 0.95, c_kl_increase_steps: 300, c_l2_increase_steps: 300, c_l2_gen_scale: 50 },
};
