/**
 * `lfads run-lfads --kind=… --data_dir=… --data_filename_stem=… --lfads_save_dir=… [flags]`: TF LFADS's
 * `run_lfads.py` command line (flags and defaults of lfads-model.md §6, absl syntax), so the commands
 * of the TF README run unchanged with `python run_lfads.py` replaced by `lfads run-lfads`. The flags are
 * parsed here (light); the work is in run-lfads-run.ts, loaded on use with TensorFlow.js.
 */
import type { ParsedArgs } from "./args.js";
import type { Command } from "./command.js";
import { flagHelp, parseRunLfadsArgv, RUN_LFADS_KINDS, type RunLfadsArgs } from "../run-lfads/flags.js";

/** Flags parsed by `parse`, handed to `run` with the ParsedArgs object they belong to. */
const parsedFlags = new WeakMap<ParsedArgs, RunLfadsArgs>();

const DESCRIPTION = [
  "Train LFADS or use a trained model, exactly as TF LFADS's run_lfads.py does: the same flags and defaults",
  "(which differ from the Run Manager's), every file of --data_dir whose name starts with --data_filename_stem is a",
  "dataset (named by the rest of the file name after one separator character), and the same files in --lfads_save_dir.",
  "",
  "Kinds:",
  "  train                         checkpoints (checkpoint, checkpoint_lve), fitlog.csv, hyperparameters-<step>.txt;",
  "                                TF trains until the learning rate falls below --learning_rate_stop (see --max_epochs)",
  "  posterior_sample_and_average  model_runs_<ds>_{train,valid}_posterior_sample_and_average, --batch_size samples/trial",
  "  posterior_push_mean           model_runs_<ds>_{train,valid}_posterior_push_mean (posterior means pushed through)",
  "  prior_sample                  model_runs_prior_sample: --batch_size trials generated from the priors",
  "  write_model_params            model_params: every variable under its TF name",
  "The sampling kinds restore --checkpoint_pb_load_name (checkpoint = latest, checkpoint_lve = lowest validation",
  "error) and need the architecture flags used in training. Booleans: --flag, --noflag, --flag=true|false.",
  "Flags that have no counterpart here (--device, --allow_gpu_growth) print a note; unsupported values",
  "(--checkpoint_name, --csv_log other than the defaults) are errors.",
  "",
  "Example (the TF README's chaotic RNN with input pulses):",
  "  lfads synth chaotic_rnn_inputs_g2p5 --out /tmp/rnn_synth_data_v1.0",
  "  lfads run-lfads --kind=train --data_dir=/tmp/rnn_synth_data_v1.0/ --data_filename_stem=chaotic_rnn_inputs_g2p5 \\",
  "      --lfads_save_dir=/tmp/lfads_chaotic_rnn_inputs_g2p5 --co_dim=1 --factors_dim=20 --output_dist=poisson",
  "  lfads run-lfads --kind=posterior_sample_and_average --data_dir=/tmp/rnn_synth_data_v1.0/ \\",
  "      --data_filename_stem=chaotic_rnn_inputs_g2p5 --lfads_save_dir=/tmp/lfads_chaotic_rnn_inputs_g2p5 \\",
  "      --co_dim=1 --factors_dim=20 --batch_size=1024 --checkpoint_pb_load_name=checkpoint_lve",
  "  lfads plot-fitlog /tmp/lfads_chaotic_rnn_inputs_g2p5 --out curves.html",
  flagHelp(),
].join("\n");

export const runLfadsCommand: Command = {
  name: "run-lfads",
  summary: "TF LFADS's run_lfads.py, same flags and files: train, sample the posterior or the prior, write model_params",
  usage: `--kind=<${RUN_LFADS_KINDS.join("|")}> --data_dir=<dir> --data_filename_stem=<stem> --lfads_save_dir=<dir> [flags]`,
  description: DESCRIPTION,
  positionals: [0, 0],
  parse(argv) {
    const a = parseRunLfadsArgv(argv);
    const parsed: ParsedArgs = { options: a.help ? { help: true } : {}, positionals: [] };
    parsedFlags.set(parsed, a);
    return parsed;
  },
  async run(args, io) {
    const flags = parsedFlags.get(args) ?? parseRunLfadsArgv([]);
    const { runParsed } = await import("../run-lfads/run.js");
    await runParsed(flags, { io });
    return 0;
  },
};
