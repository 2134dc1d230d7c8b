import { test } from "node:test";
import assert from "node:assert/strict";
import { fitlogLine, pyFixed } from "../../src/train/fitlog.js";

test("fitlog lines follow the TF LFADS csv format, spaces included", () => {
  const line = fitlogLine({ epoch: 3, step: 40, train: { total: 812.3345, recon: 801.1, kl: 9.125 }, valid: { total: 820, recon: 805.555, kl: 9.5 }, l2: 0.0123456, klWeight: 0.456, l2Weight: 1 });
  assert.equal(line, "epoch,3, step,40, total,812.33,820.00,       recon,801.10,805.55, kl,9.12,9.50, l2,0.01235,       klweight,0.46, l2weight,1.00");
  assert.equal(line.split(",").length, 19);
});

test("numbers are formatted like Python's %.2f (exact ties to even, nan/inf)", () => {
  assert.deepEqual([9.125, 9.375, 0.105, 1.005, 2.5, -0.125, NaN, Infinity].map((x) => pyFixed(x, 2)), ["9.12", "9.38", "0.10", "1.00", "2.50", "-0.12", "nan", "inf"]);
  assert.equal(pyFixed(0.5, 0), "0");
  assert.equal(pyFixed(1.5, 0), "2");
});
