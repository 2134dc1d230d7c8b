/** `lfads hash '<json>'`: the param and data hash of a set of RunParams values. */
import { readFileSync } from "node:fs";
import { ParamError } from "../core/errors.js";
import { RunParams, type RunParamsInit } from "../params/run-params.js";
import { paramsToText } from "../display/run-params.js";
import type { Command } from "./command.js";

function parseValues(text: string): RunParamsInit {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ParamError(`the values are not valid JSON (${(e as Error).message}); expected an object such as '{"c_co_dim":0,"c_batch_size":150}'`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ParamError(`expected a JSON object of RunParams values such as '{"c_co_dim":0}', got ${JSON.stringify(v)}`);
  }
  return v as RunParamsInit;
}

export const hashCommand: Command = {
  name: "hash",
  summary: "print the param_/data_ hashes of a set of RunParams values",
  usage: "[--show | --json] [<json> | -]",
  description: [
    "<json> is an object of RunParams values that differ from the defaults (default: {}); '-' reads it from stdin.",
    "Prints 'param_XXXXXX data_YYYYYY', the folder names the Run Manager uses for these values.",
    "",
    "Example:",
    `  lfads hash '{"c_co_dim":0,"c_batch_size":150,"c_factors_dim":8,"c_gen_dim":64,"c_ic_enc_dim":64,"c_learning_rate_stop":0.001}'`,
    "  param_YOs74u data_4MaTKO",
  ].join("\n"),
  options: [
    { name: "show", type: "boolean", help: "print every parameter, grouped, as the MATLAB Run Manager displays RunParams" },
    { name: "json", type: "boolean", help: "print {paramHash, dataHash, paramHashString, dataHashString, nonDefault} as JSON" },
  ],
  positionals: [0, 1],
  run(args, io) {
    const src = args.positionals[0] ?? "{}";
    const p = new RunParams(parseValues(src === "-" ? readFileSync(0, "utf8") : src));
    if (args.options.json) {
      const { paramHash, dataHash, paramHashString, dataHashString } = p;
      io.out(`${JSON.stringify({ paramHash, dataHash, paramHashString, dataHashString, nonDefault: p.nonDefaultValues(true) })}\n`);
    } else if (args.options.show) {
      io.out(`${paramsToText(p)}\n`);
    } else {
      io.out(`${p.paramHashString} ${p.dataHashString}\n`);
    }
    return 0;
  },
};
