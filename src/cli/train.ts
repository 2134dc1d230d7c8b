/**
 * `lfads train <runDir>`: train the LFADS model of a prepared run folder (what `lfads_train.sh` runs).
 * Also the helpers the other run-folder commands share: resolving the folder, its params, and turning
 * SIGINT/SIGTERM into an orderly stop (exit code 130/143) instead of a kill mid-write.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import { LFADS_INPUT_DIR, runInputDir } from "../runs/layout.js";
import { readRunParamsFile } from "../runs/run-params-file.js";
import type { OptionSpec, ParsedArgs } from "./args.js";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";

/** The absolute run folder, checked to be a prepared run (it has `lfadsInput/`). */
/** Dataset names of a prepared run folder (its lfadsInput/lfads_<name>.h5 files), in input order. */
export async function runDatasetNames(dir: string): Promise<string[]> {
  const { listInputFilesByStem } = await import("../train/input-files.js");
  return listInputFilesByStem(runInputDir(dir)).map((f) => f.name.replace(/\.h5$/, ""));
}

/** `--dataset <name|n>` (name, name.h5, or 1-based position) → its index among `names`; absent → 0. */
export function datasetOption(raw: string | undefined, names: readonly string[]): number {
  if (raw === undefined) return 0;
  const i = /^\d+$/.test(raw) ? Number(raw) - 1 : names.indexOf(raw.replace(/\.h5$/, ""));
  if (i < 0 || i >= names.length) {
    throw new UsageError(`--dataset '${raw}' is not a dataset of this run; give one of: ${names.map((n, k) => `${n} (or ${k + 1})`).join(", ")}`);
  }
  return i;
}

export function resolveRunDir(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new LayoutError(`run folder not found: ${abs}`);
  if (!fs.statSync(abs).isDirectory()) throw new LayoutError(`${abs} is not a folder; give a run folder (<rc.path>/param_XXXXXX/<run name>)`);
  if (!fs.existsSync(runInputDir(abs))) {
    throw new LayoutError(`${abs} has no ${LFADS_INPUT_DIR}/ folder, so it is not a prepared run; prepare its RunCollection first (prepare(rc)), or give the run folder (<rc.path>/param_XXXXXX/<run name>)`);
  }
  return abs;
}

/** The run's params: `--params <file>` when given, else `<runDir>/params.json`. */
export function runParamsOf(runDir: string, args: ParsedArgs): RunParams {
  const file = args.options["params"];
  return readRunParamsFile(typeof file === "string" ? path.resolve(file) : runDir).params;
}

export const PARAMS_OPTION: OptionSpec = { name: "params", type: "string", valueName: "<file>", help: "JSON file of the RunParams (default <runDir>/params.json, written by prepare)" };
export const BACKEND_OPTION: OptionSpec = { name: "backend", type: "string", valueName: "<name>", choices: ["wasm", "cpu", "tensorflow"], help: "tfjs backend (default: LFADS_BACKEND or the fastest available)" };
/** The checkpoint a post-training command restores (posterior, prior-sample, write-model-params). */
export const CHECKPOINT_OPTION: OptionSpec = { name: "checkpoint", type: "string", valueName: "lve|latest", choices: ["lve", "latest"], help: "which checkpoint to restore (default lve, else the latest with a warning)" };

/** A non-negative integer option, or undefined. */
export function intOption(args: ParsedArgs, name: string, min = 0): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new UsageError(`--${name} expects an integer >= ${min}, got ${String(v)}`);
  return v;
}

/**
 * Run `body` with an AbortSignal that SIGINT/SIGTERM trigger (the handlers are removed afterwards).
 * Returns the result and the signal received, if any.
 */
export async function withStopSignals<T>(body: (signal: AbortSignal) => Promise<T>, onSignal: (name: NodeJS.Signals) => void): Promise<{ value: T; received: NodeJS.Signals | undefined }> {
  const ctl = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    if (received) return;
    received = sig;
    onSignal(sig);
    ctl.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    return { value: await body(ctl.signal), received };
  } finally {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  }
}

/** Shell convention: 128 + signal number. */
export const signalExitCode = (sig: NodeJS.Signals): number => (sig === "SIGINT" ? 130 : 143);

export const trainCommand: Command = {
  name: "train",
  summary: "train the LFADS model of a prepared run folder (resumes from its latest checkpoint)",
  usage: "<runDir> [--max-epochs <n>] [--max-steps <n>] [--backend <name>] [--reset-learning-rate] [--no-recover-divergence]",
  description: [
    "Trains on <runDir>/lfadsInput/lfads_*.h5 with the run's params (<runDir>/params.json, written by prepare) and",
    "writes checkpoints, fitlog.csv, hyperparameters-<step>.txt and model_params to <runDir>/lfadsOutput/.",
    "A run that was stopped resumes from its newest checkpoint. Training stops when the learning rate falls",
    "below c_learning_rate_stop, or at --max-epochs / --max-steps (counted over all sessions of the run).",
    "SIGINT/SIGTERM stop it before the next step (exit code 130/143); run the command again to resume.",
    "After the KL/L2 ramps, a divergence watch checks every epoch: the validation cost well above its lowest for",
    "several epochs, or the KL jumping or collapsing tenfold. It says so, then restores the lowest-validation-error",
    "checkpoint and halves the learning rate (--no-recover-divergence: only say so). fitlog_diagnostics.csv beside",
    "fitlog.csv records per epoch the gradient norms, the clipping rate, each posterior's KL and the learning rate.",
    "",
    "Example:",
    "  lfads train runs/example/param_YOs74u/single_dataset001 --max-epochs 5",
    "  lfads posterior runs/example/param_YOs74u/single_dataset001",
  ].join("\n"),
  options: [
    { name: "max-epochs", type: "number", valueName: "<n>", help: "stop once n epochs are complete in total" },
    { name: "max-steps", type: "number", valueName: "<n>", help: "stop once n training steps are done in total" },
    BACKEND_OPTION,
    { name: "seed", type: "number", valueName: "<n>", help: "seed of initialisation, batching and sampling (default 0; a resumed run keeps its own)" },
    PARAMS_OPTION,
    { name: "reset-learning-rate", type: "boolean", help: "after resuming, restart the learning rate at the params' c_learning_rate_init (TF do_reset_learning_rate; PBT sets each member's rate so)" },
    { name: "recover-divergence", type: "boolean", help: "on a divergence, restore the lowest-validation-error checkpoint and halve the learning rate (default on; --no-recover-divergence only reports it)" },
  ],
  positionals: [1, 1],
  async run(args, io) {
    const dir = resolveRunDir(args.positionals[0]!);
    const params = runParamsOf(dir, args);
    const recoverDivergence = args.options["recover-divergence"] !== false;
    const maxEpochs = intOption(args, "max-epochs");
    const maxSteps = intOption(args, "max-steps");
    const seed = intOption(args, "seed");
    const [{ trainRun }, { formatProgress }, { progress }] = await Promise.all([import("../train/train-run.js"), import("../train/progress.js"), import("../display/progress.js")]);
    type Bar = ReturnType<typeof progress>;
    let bar: Bar | undefined;
    let barEpoch = -1;
    io.out(`lfads train: ${dir}\n`);
    const { value: r, received } = await withStopSignals(
      (signal) =>
        trainRun(dir, {
          params,
          signal,
          recoverDivergence,
          ...(args.options["reset-learning-rate"] === true ? { resetLearningRate: true } : {}),
          ...(maxEpochs !== undefined ? { maxEpochs } : {}),
          ...(maxSteps !== undefined ? { maxSteps } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(typeof args.options["backend"] === "string" ? { backend: args.options["backend"] as "wasm" | "cpu" | "tensorflow" } : {}),
          onProgress: (p) => {
            if (p.kind === "step") {
              if (p.epoch !== barEpoch) {
                bar = progress({ total: p.stepsPerEpoch, label: `epoch ${p.epoch}` });
                barEpoch = p.epoch;
              }
              bar?.update(p.stepInEpoch, { step: p.step, cost: p.trainCost, "steps/s": p.stepsPerSecond });
              return;
            }
            bar?.finish({ done: p.stepInEpoch });
            bar = undefined;
            barEpoch = -1;
            io.out(`${formatProgress(p)}\n`);
          },
        }),
      (sig) => io.err(`\nlfads train: ${sig}: stopping before the next step\n`),
    );
    bar?.finish();
    if (r.stopReason === "aborted") {
      io.err(`lfads train: stopped at step ${r.steps}${r.checkpoint ? `; the last checkpoint is ${r.checkpoint}` : ""}; run 'lfads train ${dir}' again to resume\n`);
      return signalExitCode(received ?? "SIGTERM");
    }
    io.out(
      `lfads train: done (${r.stopReason.replace("_", " ")}) after ${r.epochs} epochs, ${r.steps} steps, ${r.secondsPerStep.toFixed(2)} s/step on ${r.backend.description}\n` +
        `  outputs in ${r.outputDir}: model_params, fitlog.csv, checkpoints (lowest validation error: ${r.lveCheckpoint ? path.basename(r.lveCheckpoint) : "none yet"})\n` +
        `  next: lfads posterior ${dir}\n`,
    );
    return 0;
  },
};
