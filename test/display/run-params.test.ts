import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { RunParams } from "../../src/params/run-params.js";
import { paramsHeader, paramsSummaryLine, paramsSummaryText, paramsToHtml, paramsToText } from "../../src/display/run-params.js";

// The single-session docs example (seed 000): param_YOs74u data_4MaTKO.
const par = new RunParams({ name: "first_attempt", c_co_dim: 0, c_batch_size: 150, c_factors_dim: 8, c_gen_dim: 64, c_ic_enc_dim: 64, c_learning_rate_stop: 1e-3 });

test("text display reproduces the MATLAB display of the docs, plus the TensorFlow Debugging group and the AutoLFADS options", () => {
  // Fixture = the seed's block verbatim (class name without package prefix) + the group the current code adds
  // + lfadslite / AutoLFADS's coordinated-dropout and sample-validation options in Overfitting.
  const expected = readFileSync(join(__dirname, "fixtures", "runparams-first-attempt.txt"), "utf8").replace(/\n$/, "");
  assert.equal(paramsToText(par), expected);
  assert.equal(par.toText(), expected);
});

test("header and one-line summary", () => {
  assert.equal(paramsHeader(par), 'RunParams param_YOs74u data_4MaTKO "first_attempt"');
  assert.equal(paramsHeader(par.with({ name: "" })), "RunParams param_YOs74u data_4MaTKO");
  const diffs = "c_learning_rate_stop=0.001 c_batch_size=150 c_co_dim=0 c_ic_enc_dim=64 c_gen_dim=64 c_factors_dim=8";
  assert.equal(paramsSummaryLine(par, 1), `[1 param_YOs74u data_4MaTKO] RunParams "first_attempt" ${diffs}`);
  assert.equal(paramsSummaryLine(par), `[param_YOs74u data_4MaTKO] RunParams "first_attempt" ${diffs}`);
});

test("summary.txt block: header, differences, every property but name/version", () => {
  const lines = paramsSummaryText(par, 4, 1).split("\n");
  assert.equal(lines[0], '    [1 param_YOs74u data_4MaTKO] RunParams "first_attempt"');
  assert.match(lines[1]!, /^ {6}c_learning_rate_stop=0\.001 c_batch_size=150/);
  assert.equal(lines[2], "");
  assert.equal(lines[3], "      spikeBinMs: 2");
  assert.ok(lines.includes("      c_allow_gpu_growth: true"));
  assert.ok(lines.includes("      c_learning_rate_stop: 0.001"));
  assert.ok(lines.includes("      c_ic_post_var_min: 0.0001"));
  assert.ok(lines.includes("      c_feedback_factors_or_rates: factors"));
  assert.ok(!lines.some((l) => /^\s+(name|version|c_in_factors_dim):/.test(l)));
});

test("HTML: hashes on top, changed values highlighted with their defaults, docs as tooltips", () => {
  const html = paramsToHtml(par);
  assert.match(html, /param_YOs74u/);
  assert.match(html, /data_4MaTKO/);
  assert.match(html, /&quot;first_attempt&quot;/);
  // The changed-values table lists c_batch_size with its default 256.
  assert.match(html, /c_batch_size<\/td><td [^>]*FFF59D[^>]*>150<\/td><td [^>]*>256<\/td>/);
  // An unchanged value is greyed and has no default shown.
  assert.match(html, /c_keep_prob<\/td><td [^>]*9E9E9E[^>]*>0\.95<\/td><td><\/td>/);
  // Tooltip text is attribute-escaped (this doc contains double quotes).
  assert.match(html, /title="[^"]*&quot;NaN-ing out&quot;/);
  for (const title of ["Optimization", "Generator network, factors, rates", "TensorFlow Debugging"]) assert.ok(html.includes(`>${title}</th>`), title);
  assert.ok(!html.includes("Hidden (retired)"));
  assert.ok(!/<details open/.test(html));
  assert.match(paramsToHtml(par, { expanded: true }), /<details open/);
});

test("defaults: 'default' differences line, no changed table; a changed hidden property is shown", () => {
  const p = new RunParams();
  assert.match(paramsToText(p), /^RunParams param_\S{6} data_\S{6}\ndefault\n\n {3}Computed hashes/);
  assert.match(paramsToHtml(p), /All values are the defaults/);
  const hidden = new RunParams({ c_in_factors_dim: 20 });
  assert.match(paramsToText(hidden), /\n {3}Hidden \(retired\)\n {19}c_in_factors_dim: 20$/);
});

test("util.inspect outside a kernel: full text at top level, the header when nested", () => {
  assert.equal(inspect(par), paramsToText(par));
  assert.equal(inspect([par]), `[ ${paramsHeader(par)} ]`);
});
