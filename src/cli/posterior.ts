/**
 * `lfads posterior <runDir>`: sample the posterior of a trained run folder and write the TF LFADS
 * posterior-mean files (what `lfads_posterior_mean_sample.sh` runs).
 */
import * as path from "node:path";
import { POSTERIOR_MEAN_KINDS } from "../posterior/posterior-means.js";
import type { Command } from "./command.js";
import { BACKEND_OPTION, CHECKPOINT_OPTION, PARAMS_OPTION, intOption, resolveRunDir, runParamsOf, signalExitCode, withStopSignals } from "./train.js";

export const posteriorCommand: Command = {
  name: "posterior",
  summary: "sample the posterior of a trained run folder into model_runs_* files (posterior means)",
  usage: "<runDir> [--kind <kind>] [--samples <n>] [--checkpoint lve|latest]",
  description: [
    "Restores the run's lowest-validation-error checkpoint (--checkpoint latest: the newest one) and writes, for every",
    "dataset and split, <runDir>/lfadsOutput/model_runs_<dataset>_{train,valid}_<kind>, as TF LFADS --kind=<kind> does:",
    "  posterior_sample_and_average  every trial pushed through --samples times with sampled g0 and inputs, outputs averaged",
    "  posterior_push_mean           the posterior means pushed through once (fast)",
    "  both                          push-mean first, then sample-and-average",
    "The default kind and sample count are the run's posterior_mean_kind and num_samples_posterior. Files that exist",
    "are kept (--overwrite re-makes them), so a stopped call resumes. Read them with run.loadPosteriorMeans().",
    "",
    "Example:",
    "  lfads posterior runs/example/param_YOs74u/single_dataset001 --kind both --samples 256",
  ].join("\n"),
  options: [
    { name: "kind", type: "string", valueName: "<kind>", choices: [...POSTERIOR_MEAN_KINDS, "both"], help: "posterior_sample_and_average, posterior_push_mean or both (default: the run's posterior_mean_kind)" },
    { name: "samples", type: "number", valueName: "<n>", help: "posterior samples per trial (default: the run's num_samples_posterior)" },
    CHECKPOINT_OPTION,
    { name: "batch-trials", type: "number", valueName: "<n>", help: "rows (trial copies) per decoder pass: the memory bound (default from the model size); each trial is encoded once" },
    { name: "max-trials", type: "number", valueName: "<n>", help: "only the first n trials of each split (TF ps_nexamples_to_process)" },
    { name: "overwrite", type: "boolean", help: "re-make files that exist" },
    { name: "seed", type: "number", valueName: "<n>", help: "seed of the posterior samples (default 0)" },
    BACKEND_OPTION,
    PARAMS_OPTION,
  ],
  positionals: [1, 1],
  async run(args, io) {
    const dir = resolveRunDir(args.positionals[0]!);
    const params = runParamsOf(dir, args);
    const numSamples = intOption(args, "samples", 1);
    const batchTrials = intOption(args, "batch-trials", 1);
    const maxTrials = intOption(args, "max-trials", 1);
    const seed = intOption(args, "seed");
    const o = args.options;
    const { samplePosterior } = await import("../facade/sample-posterior.js");
    const { value: r, received } = await withStopSignals(
      (signal) =>
        samplePosterior(dir, {
          params,
          signal,
          ...(typeof o["kind"] === "string" ? { kind: o["kind"] as "both" } : {}),
          ...(typeof o["checkpoint"] === "string" ? { checkpoint: o["checkpoint"] as "lve" | "latest" } : {}),
          ...(numSamples !== undefined ? { numSamples } : {}),
          ...(batchTrials !== undefined ? { batchTrials } : {}),
          ...(maxTrials !== undefined ? { maxTrials } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(o["overwrite"] === true ? { overwrite: true } : {}),
          ...(typeof o["backend"] === "string" ? { backend: o["backend"] as "wasm" | "cpu" | "tensorflow" } : {}),
        }),
      (sig) => io.err(`\nlfads posterior: ${sig}: stopping after the current forward pass\n`),
    );
    if (r.aborted) {
      io.err(`lfads posterior: stopped; ${r.written.length} file(s) written, the file in progress was not; run 'lfads posterior ${dir}' again to finish\n`);
      return signalExitCode(received ?? "SIGTERM");
    }
    const rates = Object.entries(r.trialsPerSecond)
      .map(([k, v]) => `${k} ${v.toPrecision(3)} trials/s`)
      .join(", ");
    io.out(
      `lfads posterior: ${r.written.length} file(s) written${r.skipped.length ? `, ${r.skipped.length} existed and were kept` : ""} in ${r.outputDir}` +
        ` (checkpoint ${path.basename(r.checkpoint)}, step ${r.step}${rates ? `; ${rates}` : ""})\n`,
    );
    return 0;
  },
};
