/** `lfads prior-sample <runDir>`: generate trials from a trained run's priors (TF `--kind=prior_sample`). */
import type { Command } from "./command.js";
import { BACKEND_OPTION, CHECKPOINT_OPTION, PARAMS_OPTION, datasetOption, intOption, resolveRunDir, runDatasetNames, runParamsOf } from "./train.js";

export const priorSampleCommand: Command = {
  name: "prior-sample",
  summary: "generate trials from a trained run's priors into lfadsOutput/model_runs_prior_sample",
  usage: "<runDir> [--samples <n>] [--dataset <name|n>]",
  description: [
    "Draws g0 from the learned prior and the inferred inputs from the AR(1) prior (no data), runs the generator and",
    "reads the rates out through one dataset's read-out (default the first, as TF does). Keys: gen_ics, gen_states,",
    "factors, output_dist_params, costs, prior_g0_mean/logvar (c_ic_dim > 0), prior_zs_ar_con (c_co_dim > 0).",
  ].join("\n"),
  options: [
    { name: "samples", type: "number", valueName: "<n>", help: "trials to generate (default c_batch_size)" },
    { name: "dataset", type: "string", valueName: "<name|n>", help: "read-out dataset: its name (dataset001) or 1-based position (default 1)" },
    CHECKPOINT_OPTION,
    { name: "seed", type: "number", valueName: "<n>", help: "seed of the samples (default 0)" },
    BACKEND_OPTION,
    PARAMS_OPTION,
  ],
  positionals: [1, 1],
  async run(args, io) {
    const dir = resolveRunDir(args.positionals[0]!);
    const params = runParamsOf(dir, args);
    const numSamples = intOption(args, "samples", 1);
    const seed = intOption(args, "seed");
    const ds = args.options["dataset"];
    const datasetIndex = datasetOption(typeof ds === "string" ? ds : undefined, await runDatasetNames(dir));
    const { writePriorSamples } = await import("../posterior/prior-sample.js");
    const o = args.options;
    const r = await writePriorSamples(dir, {
      params,
      datasetIndex,
      ...(numSamples !== undefined ? { numSamples } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(typeof o["checkpoint"] === "string" ? { checkpoint: o["checkpoint"] as "lve" | "latest" } : {}),
      ...(typeof o["backend"] === "string" ? { backend: o["backend"] as "wasm" | "cpu" | "tensorflow" } : {}),
    });
    io.out(`lfads prior-sample: ${r.numSamples} trials read out through ${r.datasetName} (step ${r.step}) → ${r.file}\n`);
    return 0;
  },
};
