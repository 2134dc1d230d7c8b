#!/usr/bin/env node
// Builds the optional native kernels (binding.gyp → build/Release/lfads_kernels.node) with node-gyp and the
// machine's C compiler, against the Node headers that npm is configured with (npm_config_nodedir) or that lie
// beside this node (<prefix>/include/node), so that nothing is downloaded.
//
//   node scripts/build-native.mjs             build (incrementally); exit 1 if it fails on x86-64
//   node scripts/build-native.mjs --optional  the install hook: never fails; says in one line which kernels will run
//
// Elsewhere than x86-64 there is nothing to build (the kernels are the committed WebAssembly ones) and both
// forms exit 0.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const optional = process.argv.includes("--optional");
const addon = join(root, "build", "Release", "lfads_kernels.node");
const WASM = "the WebAssembly kernels will run";

function say(line) {
  console.log(`lfads-ts: ${line}`);
}

/** npm's own node-gyp (npm sets npm_config_node_gyp in scripts), else the one bundled beside this node's npm, else PATH's. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  return found ? [process.execPath, found] : ["node-gyp"];
}

/** Headers without a download: npm's configured nodedir, else the prefix this node was installed under. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

function gyp(args) {
  const [cmd, ...pre] = nodeGyp();
  return spawnSync(cmd, [...pre, ...args, ...nodedirArgs()], { cwd: root, encoding: "utf8", stdio: optional ? "pipe" : "inherit" });
}

function fail(reason, detail) {
  if (optional) {
    say(`native kernels not built (${reason}); ${WASM}. To retry: npm run build:native in ${root}`);
    process.exit(0);
  }
  if (detail) process.stderr.write(detail);
  console.error(`build-native: ${reason}`);
  process.exit(1);
}

if (process.arch !== "x64") {
  say(`native kernels are x86-64 only (this is ${process.arch}); ${WASM}`);
  process.exit(0);
}
// An existing Makefile means configured: `build` then recompiles only what changed. It records the compiler
// of its configure run, so after a failed build it is removed and the next run configures afresh.
const makefile = join(root, "build", "Makefile");
if (!existsSync(makefile)) {
  const r = gyp(["configure"]);
  if (r.error || r.status !== 0) {
    const log = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    fail(r.error ? `node-gyp did not start: ${r.error.message}` : optional ? `node-gyp configure failed: ${firstError(log)}` : "node-gyp configure failed (its output is above)", log);
  }
}
/** The first compiler or make error of a captured build log (node-gyp's own "gyp ERR!" lines say little). */
function firstError(log) {
  const lines = log.split("\n").map((l) => l.trim()).filter(Boolean);
  const hit = lines.find((l) => !l.startsWith("gyp info") && !/^gyp ERR! (not ok|cwd|node|command|System|build error|configure error)/.test(l) && /error|not found|no such file|cannot/i.test(l));
  return hit ?? lines.filter((l) => !l.startsWith("gyp info")).slice(-2).join(" | ");
}

const r = gyp(["build", `--jobs=${availableParallelism()}`]);
if (r.error || r.status !== 0) {
  rmSync(makefile, { force: true });
  const log = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  fail(r.error ? `node-gyp did not start: ${r.error.message}` : optional ? `compilation failed: ${firstError(log)}` : "node-gyp build failed (its output is above)", log);
}
let variant = "";
try {
  const { variants } = createRequire(import.meta.url)(addon).info();
  const v = variants.find((x) => x.supported);
  variant = v ? `; this CPU runs ${v.name} (${v.width}-bit)` : `; this CPU runs none of ${variants.map((x) => x.name).join(", ")}, so ${WASM}`;
} catch (e) {
  fail(`the built addon does not load: ${e.message.split("\n")[0]}`);
}
say(`native kernels built (${addon}${variant})`);
