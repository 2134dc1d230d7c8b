/** `lfads write-model-params <runDir>`: write lfadsOutput/model_params from a checkpoint (TF `--kind=write_model_params`). */
import type { Command } from "./command.js";
import { CHECKPOINT_OPTION, resolveRunDir } from "./train.js";

export const writeModelParamsCommand: Command = {
  name: "write-model-params",
  summary: "write a trained run's lfadsOutput/model_params (every variable under its TF name) from a checkpoint",
  usage: "<runDir> [--checkpoint lve|latest]",
  description: [
    "Training already writes model_params from the lowest-validation-error checkpoint; this re-makes it, e.g. from the",
    "latest checkpoint of a run that was stopped. Keys are TF variable names with '/' → '_' and ':0' appended, Adam",
    "slots, global_step and learning_rate included (as TF writes them). Read it with run.loadModelTrainedParams().",
  ].join("\n"),
  options: [CHECKPOINT_OPTION],
  positionals: [1, 1],
  async run(args, io) {
    const dir = resolveRunDir(args.positionals[0]!);
    const { writeModelParams } = await import("../posterior/write-model-params.js");
    const c = args.options["checkpoint"];
    const r = await writeModelParams(dir, typeof c === "string" ? { checkpoint: c as "lve" | "latest" } : {});
    io.out(`lfads write-model-params: step ${r.step} (${r.checkpoint}) → ${r.file}\n`);
    return 0;
  },
};
