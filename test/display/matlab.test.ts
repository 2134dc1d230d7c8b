import { test } from "node:test";
import assert from "node:assert/strict";
import { matlabDisplay, matlabShort } from "../../src/display/matlab.js";

test("matlabShort follows MATLAB format short for scalars", () => {
  const cases: [number, string][] = [
    [0.01, "0.0100"],
    [0.98, "0.9800"],
    [1e-3, "1.0000e-03"],
    [1e-4, "1.0000e-04"],
    [0.0025, "0.0025"],
    [200, "200"],
    [-3, "-3"],
    [0, "0"],
    [-0, "0"],
    [123.456, "123.4560"],
    [1234.5, "1.2345e+03"],
    [999999999, "999999999"],
    [1e9, "1.0000e+09"],
    [-0.5, "-0.5000"],
    [NaN, "NaN"],
    [-Infinity, "-Inf"],
  ];
  for (const [x, s] of cases) assert.equal(matlabShort(x), s, String(x));
});

test("matlabDisplay by MATLAB class", () => {
  assert.equal(matlabDisplay("logical", true), "1");
  assert.equal(matlabDisplay("char", "poisson"), "'poisson'");
  assert.equal(matlabDisplay("char", ""), "''");
  assert.equal(matlabDisplay("uint32", 4294967295), "4294967295");
  assert.equal(matlabDisplay("cell", []), "{}");
  assert.equal(matlabDisplay("cell", ["useRidgeRegression", 1]), "{1x2 cell}");
  assert.equal(matlabDisplay("double", []), "[]");
  assert.equal(matlabDisplay("double", [10, 0.5]), "[10 0.5000]");
  assert.equal(matlabDisplay("double", [1, 2, 3, 4, 5, 6]), "[1x6 double]");
});
