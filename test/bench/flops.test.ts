import { test } from "node:test";
import assert from "node:assert/strict";
import { forwardFlopParts, forwardFlops, trainFlops, type FlopShape } from "../../bench/flops.js";

/** TF README "chaotic_rnn_inputs" (lfads-model.md §9, first row). */
const CHAOTIC: FlopShape = {
  B: 128, T: 100, N: 50, ic_enc_dim: 128, ci_enc_dim: 128, con_dim: 128, gen_dim: 200, factors_dim: 20, co_dim: 1, ic_dim: 64,
};

/** |a − b| ≤ half a unit in the last quoted digit of a value quoted to 3 significant figures. */
function close3(actual: number, quoted: number, what: string): void {
  const unit = 10 ** (Math.floor(Math.log10(quoted)) - 2);
  assert.ok(Math.abs(actual - quoted) <= unit / 2, `${what}: ${actual.toExponential(4)} vs quoted ${quoted.toExponential(2)}`);
}

test("chaotic RNN with inputs, B=128: 1.42e10 forward and 4.26e10 train FLOPs per step", () => {
  close3(forwardFlops(CHAOTIC), 1.42e10, "forward");
  close3(trainFlops(CHAOTIC), 4.26e10, "train");
  // exact sum of the §9 terms, by hand: 2·27,340,800 + 65,536 + 25,600 + 31,078,400 + 24,120,000 + 808,000 + 202,000
  assert.equal(forwardFlops(CHAOTIC), 128 * 110_981_136);
});

test("chaotic RNN with co_dim = 0: 6.71e9 forward, 2.01e10 train; no CI encoder or controller", () => {
  const noco = { ...CHAOTIC, co_dim: 0 };
  close3(forwardFlops(noco), 6.71e9, "forward");
  close3(trainFlops(noco), 2.01e10, "train");
  const parts = forwardFlopParts(noco);
  assert.equal(parts.ci_encoder, 0);
  assert.equal(parts.controller, 0);
});

test("the §9 shares of the chaotic case: controller 28%, IC enc 25%, CI enc 25%, generator 22%", () => {
  const parts = forwardFlopParts(CHAOTIC);
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const pct = (v: number) => Math.round((100 * v) / total);
  assert.deepEqual([pct(parts.controller), pct(parts.ic_encoder), pct(parts.ci_encoder), pct(parts.generator)], [28, 25, 25, 22]);
});

// Only the train figures are checked for these rows: the quoted forward ones (7.81e9, 2.15e10) do not round from
// our exact forward sums (7.8045e9, 2.1441e10), whose triples do give the quoted train figures.
test("lfads-torch rows with separate encoder/decoder spans and read-out widths", () => {
  const maze: FlopShape = {
    B: 256, T: 45, T_e: 35, T_r: 45, N: 137, N_out: 182, ic_enc_dim: 64, ci_enc_dim: 64, con_dim: 64,
    gen_dim: 200, factors_dim: 100, co_dim: 4, ic_dim: 64,
  };
  close3(trainFlops(maze), 2.34e10, "nlb_mc_maze train");
  const rtt: FlopShape = {
    B: 256, T: 160, T_e: 120, T_r: 160, N: 98, N_out: 130, ic_enc_dim: 100, ci_enc_dim: 80, con_dim: 80,
    gen_dim: 100, factors_dim: 40, co_dim: 4, ic_dim: 100,
  };
  close3(trainFlops(rtt), 6.43e10, "nlb_mc_rtt train");
});

test("identity maps cost nothing; a read-in and a Gaussian read-out are counted", () => {
  const base: FlopShape = { B: 1, T: 10, N: 30, ic_enc_dim: 64, ic_dim: 64, gen_dim: 64, factors_dim: 8, co_dim: 0, ci_enc_dim: 0, con_dim: 0 };
  const p = forwardFlopParts(base);
  assert.equal(p.g0_to_gen, 0, "ic_dim == gen_dim: identity");
  assert.equal(p.readin, 0);
  const withReadin = forwardFlopParts({ ...base, readin_dim: 8 });
  assert.equal(withReadin.readin, 2 * 10 * 30 * 8);
  assert.equal(withReadin.ic_encoder, 2 * 10 * 6 * 64 * (8 + 64));
  assert.equal(forwardFlopParts({ ...base, gaussian: true }).readout, 2 * p.readout);
});

test("bad sizes are rejected with the field name", () => {
  assert.throws(() => forwardFlops({ ...CHAOTIC, gen_dim: 0 }), /'gen_dim' must be an integer >= 1, got 0/);
  assert.throws(() => forwardFlops({ ...CHAOTIC, B: 1.5 }), /'B' must be an integer >= 1, got 1.5/);
  assert.throws(() => forwardFlops({ ...CHAOTIC, co_dim: -1 }), /'co_dim' must be an integer >= 0, got -1/);
});
