/** `lfads prior-sample <runDir>`: generate trials from a trained run's priors (TF `--kind=prior_sample`). */
import { UsageError } from "./args.js";
import type { Command } from "./command.js";
import { BACKEND_OPTION, CHECKPOINT_OPTION, PARAMS_OPTION, intOption, resolveRunDir, runParamsOf } from "./train.js";

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
    const { listInputFiles } = await import("../train/input-data.js");
    const names = listInputFiles(`${dir}/lfadsInput`).map((f) => f.replace(/^.*\/lfads_/, "").replace(/\.h5$/, ""));
    let datasetIndex = 0;
    const ds = args.options["dataset"];
    if (typeof ds === "string") {
      datasetIndex = /^\d+$/.test(ds) ? Number(ds) - 1 : names.indexOf(ds.replace(/\.h5$/, ""));
      if (datasetIndex < 0 || datasetIndex >= names.length) throw new UsageError(`--dataset ${ds} is not one of this run's datasets (${names.map((n, i) => `${i + 1}: ${n}`).join(", ")})`);
    }
    const { writePriorSamples } = await import("../posterior/sample.js");
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
