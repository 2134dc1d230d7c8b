import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { RunParams } from "../../src/params/run-params.js";
import { dataHashBytes, matlabHash6, toMatlabValue, type MatlabValue } from "../../src/params/hash.js";

const SEED = { c_learning_rate_stop: 0.001, c_batch_size: 150, c_co_dim: 0, c_ic_enc_dim: 64, c_gen_dim: 64 } as const;

test("the five documented hash pairs of the Run Manager docs reproduce", () => {
  const expected: [number, string, string][] = [
    [2, "param_Z1-4Ne", "data_cq1HAe"],
    [4, "param_UEvXAB", "data_QcdNGf"],
    [6, "param_m8Dk5i", "data_y3K_k3"],
    [8, "param_YOs74u", "data_4MaTKO"],
  ];
  for (const [f, ph, dh] of expected) {
    const p = new RunParams({ ...SEED, c_factors_dim: f });
    assert.equal(p.paramHashString, ph, `param hash for c_factors_dim=${f}`);
    assert.equal(p.dataHashString, dh, `data hash for c_factors_dim=${f}`);
  }
  const stitched = new RunParams({ ...SEED, c_factors_dim: 8, useAlignmentMatrix: true, name: "first_attempt_stitching" });
  assert.equal(stitched.paramHashString, "param_Qr2PeG");
  assert.equal(stitched.dataHashString, "data_RE1kuL");
});

test("byte-level example of the reference: {c_factors_dim: uint16(8)} → 4MaTKO", () => {
  const p = new RunParams({ c_factors_dim: 8 });
  const hex = dataHashBytes(p.dataHashStruct()).toString("hex");
  assert.equal(
    hex,
    "737472756374" + "0200000000000000" + "0100000000000000" + "0100000000000000" +
      Buffer.from("c_factors_dim").toString("hex") +
      "75696e743136" + "0200000000000000" + "0100000000000000" + "0100000000000000" + "0800",
  );
  assert.equal(createHash("md5").update(dataHashBytes(p.dataHashStruct())).digest("hex"), "e0c69328e16dfcab364b9250a36ba54b");
  assert.equal(p.dataHash, "4MaTKO");
});

test("all defaults hash the bare struct header", () => {
  const p = new RunParams();
  const bytes = dataHashBytes(p.paramHashStruct());
  assert.equal(bytes.length, 6 + 24);
  assert.equal(createHash("md5").update(bytes).digest("hex"), "4f83332227878e0b7864e331d748d46a");
  assert.equal(p.paramHash, p.dataHash);
});

function u64(...v: number[]): string {
  return v.map((x) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(x)); return b.toString("hex"); }).join("");
}
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");
const struct1 = (field: string, valueHex: string) => ascii("struct") + u64(2, 1, 1) + ascii(field) + valueHex;

test("every MATLAB class in the table serialises as DataHash does", () => {
  const cases: [Partial<Record<string, unknown>>, string, string][] = [
    // logical: 1 byte per element
    [{ scaleIncreaseStepsWithDatasets: false }, "scaleIncreaseStepsWithDatasets", ascii("logical") + u64(2, 1, 1) + "00"],
    // char: UTF-16LE code units, dims [1, N]
    [{ c_output_dist: "gaussian" }, "c_output_dist", ascii("char") + u64(2, 1, 8) + Buffer.from("gaussian", "utf16le").toString("hex")],
    // empty char: dims [0, 0], no payload
    [{ c_device: "" }, "c_device", ascii("char") + u64(2, 0, 0)],
    // double: IEEE-754 LE
    [{ c_keep_prob: 0.5 }, "c_keep_prob", ascii("double") + u64(2, 1, 1) + "000000000000e03f"],
    // uint32 that fits 16 bits is downsized to uint16
    [{ c_kl_increase_steps: 2000 }, "c_kl_increase_steps", ascii("uint16") + u64(2, 1, 1) + "d007"],
    // uint32 above 65535 stays uint32
    [{ c_kl_increase_steps: 70000 }, "c_kl_increase_steps", ascii("uint32") + u64(2, 1, 1) + "70110100"],
    // cell {'useRidgeRegression', 1}: elements hashed in turn
    [
      { alignmentExtraArgs: ["useRidgeRegression", 1] },
      "alignmentExtraArgs",
      ascii("cell") + u64(2, 1, 2) + ascii("char") + u64(2, 1, 18) + Buffer.from("useRidgeRegression", "utf16le").toString("hex") +
        ascii("double") + u64(2, 1, 1) + "000000000000f03f",
    ],
    // hidden properties enter when changed
    [{ c_in_factors_dim: 10 }, "c_in_factors_dim", ascii("uint16") + u64(2, 1, 1) + "0a00"],
  ];
  for (const [init, field, valueHex] of cases) {
    const p = new RunParams(init as never);
    assert.equal(dataHashBytes(p.paramHashStruct()).toString("hex"), struct1(field, valueHex), `bytes for ${JSON.stringify(init)}`);
  }
});

test("struct fields are sorted by code point (uppercase before lowercase)", () => {
  const v: MatlabValue = {
    cls: "struct",
    fields: new Map<string, MatlabValue>([
      ["b", toMatlabValue("double", 1)],
      ["B", toMatlabValue("double", 1)],
      ["a", toMatlabValue("double", 1)],
    ]),
  };
  const s = dataHashBytes(v).toString("latin1");
  const at = (f: string) => s.indexOf(`${f}double`);
  assert.ok(at("B") > 0 && at("B") < at("a") && at("a") < at("b"));
  assert.equal(matlabHash6(v).length, 6);
});

test("data hash keeps only data-affecting properties; c_factors_dim only from version 20171107", () => {
  const a = new RunParams({ c_factors_dim: 8, c_gen_dim: 64, c_batch_size: 10 });
  const b = new RunParams({ c_factors_dim: 8 });
  assert.equal(a.dataHash, b.dataHash);
  assert.notEqual(a.paramHash, b.paramHash);
  assert.equal(new RunParams({ spikeBinMs: 10 }).dataHash === new RunParams().dataHash, false);
  // Old-version params: c_factors_dim is not part of the data hash.
  assert.equal(new RunParams({ c_factors_dim: 8, version: 20170101 }).dataHash, new RunParams().dataHash);
  // Posterior sampling and name/version never enter the param hash.
  assert.equal(new RunParams({ num_samples_posterior: 16, posterior_mean_kind: "posterior_push_mean", name: "x" }).paramHash, new RunParams().paramHash);
});

// No MATLAB ran here, so no MATLAB-computed vector exists for a logical inside a cell. The bytes below
// are derived from DataHash.m's CoreHash (lfads-run-manager src/+LFADS/+Utils/DataHash.m): a cell
// hashes its header, then CoreHash of each element; `true` is class 'logical', size [1 1], so it
// writes "logical" + uint64([2 1 1]) and then uint8(Data(:)), one byte 0x01 (no integer downsizing:
// isnumeric(true) is false in MATLAB). The MD5 digests and 6-character hashes were computed from
// these bytes with Python's hashlib and base64, independently of src/params/hash.ts.
test("a logical inside a cell, MATLAB {'ridgeNormalizeEach', true}, hashes as DataHash's CoreHash writes it", () => {
  const cellHex = (flag: string) =>
    ascii("cell") + u64(2, 1, 2) + ascii("char") + u64(2, 1, 18) + Buffer.from("ridgeNormalizeEach", "utf16le").toString("hex") + ascii("logical") + u64(2, 1, 1) + flag;
  const vectors: [boolean, string, string, string][] = [
    [true, "01", "6ffe0b2fcff901fea3a82c78fe40b63f", "b_4LL8"],
    [false, "00", "4293317e2ab52e19bc0b210526d4f6ca", "QpMxfi"],
  ];
  for (const [flag, byte, md5, hash] of vectors) {
    const p = new RunParams({ alignmentExtraArgs: ["ridgeNormalizeEach", flag] });
    const bytes = dataHashBytes(p.paramHashStruct());
    assert.equal(bytes.toString("hex"), struct1("alignmentExtraArgs", cellHex(byte)), `bytes for ${flag}`);
    assert.equal(createHash("md5").update(bytes).digest("hex"), md5);
    // alignmentExtraArgs enters both hashes, and nothing else differs from the defaults here.
    assert.equal(p.paramHashString, `param_${hash}`);
    assert.equal(p.dataHashString, `data_${hash}`);
  }
  // A logical is not the number 1: {'ridgeNormalizeEach', 1} is a different cell and a different hash.
  assert.notEqual(new RunParams({ alignmentExtraArgs: ["ridgeNormalizeEach", 1] }).paramHash, new RunParams({ alignmentExtraArgs: ["ridgeNormalizeEach", true] }).paramHash);
});

// Coordinated dropout and sample validation (lfadslite / AutoLFADS): at their defaults they enter no hash,
// so every existing run folder keeps its name; set, they enter the param hash (not the data hash) as any
// double / uint32 does. The MD5 digests and hashes below were computed from the bytes with Python's
// hashlib and base64, independently of src/params/hash.ts.
test("c_keep_ratio, c_cd_grad_passthru_prob, c_cv_keep_ratio, c_cv_rand_seed: defaults keep today's hashes, set values change the param hash", () => {
  const seed8 = new RunParams({ ...SEED, c_factors_dim: 8 });
  const explicitDefaults = seed8.with({ c_keep_ratio: 1, c_cd_grad_passthru_prob: 0, c_cv_keep_ratio: 1, c_cv_rand_seed: 0 });
  assert.equal(explicitDefaults.paramHashString, "param_YOs74u", "the documented hash of the seed run, unchanged");
  assert.equal(explicitDefaults.dataHashString, "data_4MaTKO");
  assert.equal(new RunParams({ c_keep_ratio: 1 }).paramHash, new RunParams().paramHash);

  const cd = new RunParams({ c_keep_ratio: 0.7 });
  const cdBytes = dataHashBytes(cd.paramHashStruct()).toString("hex");
  assert.equal(cdBytes, struct1("c_keep_ratio", ascii("double") + u64(2, 1, 1) + "666666666666e63f"));
  assert.equal(createHash("md5").update(dataHashBytes(cd.paramHashStruct())).digest("hex"), "33562aac6290fb37dea7f8c9b2f22657");
  assert.equal(cd.paramHash, "M1YqrG");
  assert.equal(cd.dataHash, new RunParams().dataHash, "training options never change the LFADS input files");
  // uint32 downsized to uint16 as MATLAB's AutoDownsizeIntegers does.
  const sv = new RunParams({ c_cv_rand_seed: 5 });
  assert.equal(createHash("md5").update(dataHashBytes(sv.paramHashStruct())).digest("hex"), "620d561557b5b14ae9fe176d8d57d748");
  assert.equal(sv.paramHash, "Yg1WFV");
  assert.notEqual(seed8.with({ c_keep_ratio: 0.7 }).paramHashString, "param_YOs74u");
  assert.notEqual(seed8.with({ c_cv_keep_ratio: 0.8 }).paramHashString, seed8.with({ c_cv_keep_ratio: 0.9 }).paramHashString);
});
