/**
 * `lfads doctor`: what this installation runs on — which fused kernels (native addon or WebAssembly; the
 * variant and its vector width; why not native), how many threads a kernel call uses, the CPU and Node.
 */
import { cpus } from "node:os";
import type { Command } from "./command.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "say which kernels (native or wasm), vector width and threads this installation uses",
  usage: "[--json]",
  description: [
    "Loads the fused kernels the way training does and reports the choice: the native addon (built by",
    "npm run build:native; its AVX2+FMA variant where the CPU has it, LFADS_NATIVE_VARIANT=avx512 for the other) or the",
    "portable WebAssembly kernels, and why. LFADS_KERNELS=native|wasm overrides the choice, LFADS_THREADS",
    "caps the threads (default: all cores).",
  ].join("\n"),
  options: [{ name: "json", type: "boolean", help: "print the report as JSON" }],
  async run(args, io) {
    const { kernelsInUse, describeKernels } = await import("../kernels/describe.js");
    const k = kernelsInUse();
    const report = {
      kernels: k.kind,
      variant: k.variant,
      vectorBits: k.vectorBits,
      threads: k.threads,
      detail: k.detail,
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      node: process.version,
      arch: process.arch,
    };
    if (args.options.json) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    io.out(`kernels: ${describeKernels(k)}\n`);
    io.out(`  ${k.kind === "native" ? "addon" : "why not native"}: ${k.detail}\n`);
    io.out(`cpu: ${report.cpu} (${report.cores} cores), node ${report.node} ${report.arch}\n`);
    return 0;
  },
};
