/**
 * The command table. To add a command, write `src/cli/<name>.ts` exporting a `Command` and list it here;
 * keep the import of that module light (load heavy stages inside `run`).
 */
import type { Command } from "./command.js";
import { hashCommand } from "./hash.js";
import { kernelCommand } from "./kernel.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { nlbEvalCommand } from "./nlb-eval.js";
import { synthCommand } from "./synth.js";
import { trainCommand } from "./train.js";
import { posteriorCommand } from "./posterior.js";
import { priorSampleCommand } from "./prior-sample.js";
import { writeModelParamsCommand } from "./write-model-params.js";
import { runLfadsCommand } from "./run-lfads.js";
import { plotFitlogCommand } from "./plot-fitlog.js";
import { figureCommand } from "./figure.js";
import { queueCommands } from "./queue-commands.js";
import { pbtCommand } from "./pbt.js";

const COMMANDS: Command[] = [demoCommand, doctorCommand, hashCommand, kernelCommand, synthCommand, trainCommand, posteriorCommand, priorSampleCommand, writeModelParamsCommand, runLfadsCommand, plotFitlogCommand, figureCommand, nlbEvalCommand, ...queueCommands, pbtCommand];

/** All top-level commands, in help order. */
export function commands(): readonly Command[] {
  return COMMANDS;
}

/** Add a command at run time (e.g. from a plugin); a command with the same name is replaced. */
export function registerCommand(command: Command): void {
  const i = COMMANDS.findIndex((c) => c.name === command.name);
  if (i >= 0) COMMANDS[i] = command;
  else COMMANDS.push(command);
}
