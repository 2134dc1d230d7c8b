#!/usr/bin/env node
// npm "prepare" hook of a development checkout: link node_modules/lfads-ts -> .. so that notebooks in
// the checkout can `import … from "lfads-ts"` (tslab resolves cell types with Node10 rules, which ignore
// a package's self-reference). Same rule as ensureSelfLink in src/core/package-root.ts.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "lfads-ts");
if (!root.split(path.sep).includes("node_modules")) {
  let exists = true;
  try {
    fs.lstatSync(link);
  } catch {
    exists = false;
  }
  if (!exists) {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync("..", link, "junction");
  }
}
