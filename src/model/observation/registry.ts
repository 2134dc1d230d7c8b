/**
 * The observation models by `c_output_dist` name, chosen once from the params. Adding a distribution:
 * its file (see observation-model.ts) plus one entry here (and its name among c_output_dist's allowed
 * values in params/run-params.ts and run-lfads/flags.ts, which list the names as data).
 * TF-free at run time, like the models themselves.
 */
import type * as tf from "@tensorflow/tfjs";
import { ParamError, didYouMean } from "../../core/errors.js";
import { gaussian } from "./gaussian.js";
import type { ObservationModel } from "./observation-model.js";
import { poisson } from "./poisson.js";

const MODELS = { poisson, gaussian } as const satisfies Record<string, ObservationModel>;

/** A `c_output_dist` value: the name of an observation model. */
export type OutputDist = keyof typeof MODELS;
export const OUTPUT_DISTS = Object.keys(MODELS) as OutputDist[];
/** What files and PosteriorMeans are read as when nothing says otherwise (c_output_dist's default). */
export const DEFAULT_OUTPUT_DIST: OutputDist = "poisson";

export function isOutputDist(name: unknown): name is OutputDist {
  return typeof name === "string" && Object.hasOwn(MODELS, name);
}

/** The observation model named `name`. */
export function observationModel(name: OutputDist): ObservationModel {
  return MODELS[name];
}

/** `value` (of `field`, e.g. "c_output_dist") as an OutputDist; an unknown name is a ParamError. */
export function checkOutputDist(value: unknown, field: string): OutputDist {
  if (isOutputDist(value)) return value;
  throw new ParamError(`${field} is ${JSON.stringify(value)}; expected one of ${OUTPUT_DISTS.join(", ")}.${typeof value === "string" ? didYouMean(value, OUTPUT_DISTS) : ""}`);
}

/** Reported `output_dist_params` of distribution `dist` from the raw read-out (public in `lfads-ts/tf`). */
export function outputParams<R extends tf.Rank>(dist: OutputDist, raw: tf.Tensor<R>): tf.Tensor<R> {
  return MODELS[dist].outputParams(raw);
}
