#!/usr/bin/env node
"use strict";
// Thin launcher: the compiled CLI lives in dist/ (run `npm run build` after changing src/).
require("../dist/cli.js").main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`lfads: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
