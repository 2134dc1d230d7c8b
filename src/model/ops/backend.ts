/**
 * TensorFlow.js backend selection. At run time the fastest available backend is used:
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (both register the native "tensorflow"
 * backend; they are optional and only tried with `require`), then `@tensorflow/tfjs-backend-wasm`
 * (SIMD, single-threaded in Node), then the pure-JS "cpu" backend.
 *
 * Override with the environment variable `LFADS_BACKEND=cpu|wasm|tensorflow` (or `prefer`); an
 * override that cannot be honoured is an error, never a silent fallback.
 */
import * as tf from "@tensorflow/tfjs";
import { ParamError } from "../../core/errors.js";
import { installWasmKernels } from "./wasm-kernels.js";
import { wasmGruImplementation } from "../../kernels/gru-impl.js";
import { wasmDecoderImplementation } from "../../kernels/decoder-impl.js";
import { wasmReadoutImplementation } from "../../kernels/readout-impl.js";
import { dropoutMaskInto } from "../../kernels/mask.js";
import { installImplementations, type ImplementationSet } from "./implementations.js";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  /** tfjs backend name now active. */
  name: BackendName;
  /** npm package that provides it. */
  package: string;
  /** Short human description, e.g. "wasm (SIMD, 1 thread)". */
  description: string;
}

const NATIVE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

let selected: Promise<BackendInfo> | undefined;
let current: BackendInfo | undefined;

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<BackendInfo | undefined> {
  if (name === "tensorflow") {
    for (const pkg of NATIVE_PACKAGES) {
      // A package may resolve without registering the backend: danfojs-node's documented install
      // aliases @tensorflow/tfjs-node to plain @tensorflow/tfjs.
      if (tryRequire(pkg) && tf.findBackendFactory("tensorflow") && (await tf.setBackend("tensorflow"))) {
        return { name, package: pkg, description: `tensorflow (native, ${pkg})` };
      }
    }
    return undefined;
  }
  if (name === "wasm") {
    if (!tryRequire("@tensorflow/tfjs-backend-wasm")) return undefined;
    if (!(await tf.setBackend("wasm"))) return undefined;
    installWasmKernels();
    const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
    return { name, package: "@tensorflow/tfjs-backend-wasm", description: `wasm (${simd ? "SIMD" : "no SIMD"}, 1 thread)` };
  }
  if (!(await tf.setBackend("cpu"))) return undefined;
  return { name, package: "@tensorflow/tfjs-backend-cpu", description: "cpu (pure JavaScript)" };
}

function parseChoice(v: string, source: string): BackendName {
  const s = v.trim().toLowerCase();
  if (s === "tensorflow" || s === "node" || s === "tfjs-node") return "tensorflow";
  if (s === "wasm" || s === "cpu") return s;
  throw new ParamError(`${source}='${v}': expected one of cpu, wasm, tensorflow`);
}

/**
 * Select and activate a backend once per process (later calls return the same info unless `prefer`
 * names a different backend). Also turns on `tf.enableProdMode()` (no debug checks, no Node banner).
 */
export function selectBackend(prefer?: BackendName): Promise<BackendInfo> {
  const env = process.env["LFADS_BACKEND"];
  const wanted = prefer ?? (env !== undefined && env !== "" ? parseChoice(env, "LFADS_BACKEND") : undefined);
  if (selected && (wanted === undefined || current?.name === wanted)) return selected;
  selected = (async () => {
    tf.enableProdMode();
    const order: BackendName[] = wanted ? [wanted] : ["tensorflow", "wasm", "cpu"];
    for (const name of order) {
      const info = await activate(name);
      if (info) {
        current = info;
        useFusedGru(info.name);
        return info;
      }
    }
    selected = undefined;
    throw new ParamError(
      wanted === "tensorflow"
        ? "LFADS_BACKEND=tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded (install one, or use wasm/cpu)"
        : `backend '${wanted ?? "any"}' could not be initialised`,
    );
  })();
  return selected;
}

/** The backend selected by `selectBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** The WebAssembly-SIMD kernels of src/kernels, one per op of the registry (typed: each must fit its op's contract). */
const WASM_KERNELS: ImplementationSet = {
  gru: wasmGruImplementation,
  coupledDecoder: wasmDecoderImplementation,
  poissonReadout: wasmReadoutImplementation,
  dropoutMask: dropoutMaskInto,
};

/**
 * On the wasm and cpu backends the GRU recurrences run in the fused WebAssembly-SIMD kernels of
 * src/kernels (one call per sequence instead of ~14 tfjs ops per time step, both cores), and so do the
 * decoder's coupled controller + generator loop and the Poisson read-out tail; tfjs-node
 * keeps the composite op. `LFADS_GRU=composite` turns the kernels off (for comparisons and tests).
 */
function useFusedGru(backend: BackendName): void {
  const choice = process.env["LFADS_GRU"];
  if (choice !== undefined && choice !== "" && choice !== "fused" && choice !== "composite") {
    throw new ParamError(`LFADS_GRU=${choice}: expected 'fused' or 'composite'`);
  }
  installImplementations(choice === "composite" || backend === "tensorflow" ? null : WASM_KERNELS);
}
