/**
 * Entry of the lfads-ts Jupyter kernel, as kernel.json starts it:
 * `node <root>/dist/jupyter/kernel-main.js --config-path <connection file>` (the arguments tslab takes).
 */
import { startKernel } from "./kernel.js";

const at = process.argv.indexOf("--config-path");
const configPath = at >= 0 ? process.argv[at + 1] : undefined;
if (configPath === undefined) throw new Error("lfads-ts kernel: usage: node kernel-main.js --config-path <connection file> (Jupyter passes it through kernel.json)");
startKernel(configPath);
