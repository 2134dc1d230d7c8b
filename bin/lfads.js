#!/usr/bin/env node
"use strict";
// Thin launcher: the compiled CLI lives in dist/ (run `npm run build` after changing src/).
// A reader that closes stdout early (`lfads doctor | head -1`) ends the output, as for any Unix tool, not a stack trace.
// stderr is left alone: exiting 0 there would hide a failing command's status.
process.stdout.on("error", (err) => { if (err && err.code === "EPIPE") process.exit(0); else throw err; });
let cli;
try {
  cli = require("../dist/cli.js");
} catch (err) {
  // A git checkout has no dist/ until it is built (`npm run demo` and `npm test` build first).
  if (!(err && err.code === "MODULE_NOT_FOUND" && /'\.\.\/dist\/cli\.js'/.test(String(err.message).split("\n")[0]))) throw err;
  const root = require("node:path").join(__dirname, "..");
  process.stderr.write(`lfads: the compiled CLI ${require("node:path").join(root, "dist", "cli.js")} is missing; run npm run build in ${root} first\n`);
  process.exit(1);
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`lfads: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
