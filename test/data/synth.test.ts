import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParamError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { readArray, readH5 } from "../../src/io/h5.js";
import {
  SYNTH_PRESET_NAMES,
  buildItbNetwork,
  filtfiltFir,
  generateDataRnn,
  generateSynthDataset,
  itbInputs,
  NumpyRandomState,
  resolveSynth,
  runDataRnn,
  runItbNetwork,
  trainValidIndices,
  writeSynthDataset,
  type SynthDataset,
  type SynthPresetName,
} from "../../src/data/synth/index.js";
import { synthCommand } from "../../src/cli/synth.js";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-synth-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Small versions: 8 conditions each (the multi-session set keeps nrep 40, the others 10 or 5). */
const SMALL = { C: 8 } as const;

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const cache = new Map<SynthPresetName, SynthDataset>();
function small(name: SynthPresetName): SynthDataset {
  let ds = cache.get(name);
  if (!ds) cache.set(name, (ds = generateSynthDataset(name, SMALL)));
  return ds;
}

test("presets: full sizes of reference §7.1–7.3", () => {
  const rows = SYNTH_PRESET_NAMES.map((n) => {
    const p = resolveSynth(n);
    return [n, p.kind, p.noiseType, p.g, p.C, p.N, p.S, p.nreplications, p.inputMagnitude, p.nSessions, p.C * p.trainPerCondition, p.C * p.validPerCondition, p.steps, p.seed];
  });
  assert.deepEqual(rows, [
    ["chaotic_rnn_no_inputs", "chaotic", "poisson", 1.5, 400, 50, 50, 10, 0, 1, 3200, 800, 100, 5],
    ["gaussian_chaotic_rnn_no_inputs", "chaotic", "gaussian", 1.5, 400, 50, 50, 10, 0, 1, 3200, 800, 100, 5],
    ["chaotic_rnn_inputs_g1p5", "chaotic", "poisson", 1.5, 400, 50, 50, 10, 20, 1, 3200, 800, 100, 5],
    ["chaotic_rnn_inputs_g2p5", "chaotic", "poisson", 2.5, 400, 50, 50, 10, 20, 1, 3200, 800, 100, 5],
    ["chaotic_rnn_multisession", "chaotic", "poisson", 1.5, 150, 100, 20, 40, 0, 5, 4800, 1200, 100, 5],
    ["itb_rnn", "itb", "poisson", 1.5, 800, 50, 50, 5, 0, 1, 3200, 800, 100, 5],
    ["chaotic_rnns_labeled", "labeled", "poisson", 1.5, 400, 50, 50, 10, 0, 1, 3200, 800, 100, 5],
  ]);
  assert.equal(resolveSynth("chaotic_rnn_no_inputs", { scale: 0.05 }).C, 20);
  assert.equal(resolveSynth("chaotic_rnn_multisession", { scale: 0.05 }).C, 8);
  assert.equal(resolveSynth("itb_rnn", { scale: 0.001 }).C, 1);
});

test("options are checked with useful messages", () => {
  assert.throws(() => resolveSynth("chaotic_rnn_no_input"), (e: Error) => e instanceof ParamError && /Did you mean 'chaotic_rnn_no_inputs'/.test(e.message));
  assert.throws(() => resolveSynth("itb_rnn", { nreplications: 1 }), ParamError);
  assert.throws(() => resolveSynth("itb_rnn", { nreplications: 3, trainPercentage: 0.2 }), /0 training/);
  assert.throws(() => resolveSynth("itb_rnn", { scale: 0 }), /scale/);
  assert.throws(() => resolveSynth("chaotic_rnn_no_inputs", { stem: "../x" }), /stem/);
  assert.throws(() => resolveSynth("chaotic_rnns_labeled", { S: 20 }), /S = N/);
});

test("split rule: (i mod nrep)+1 > 0.8·nrep goes to validation", () => {
  const { train, valid } = trainValidIndices(20, 0.8, 10);
  assert.deepEqual([...valid], [8, 9, 18, 19]);
  assert.equal(train.length, 16);
  const five = trainValidIndices(10, 0.8, 5);
  assert.deepEqual([...five.valid], [4, 9]);
});

test("every preset (small): shapes, labels, 80/20 split per condition, truth in [0,1] with min 0 / max 1 per trial and channel", () => {
  for (const name of SYNTH_PRESET_NAMES) {
    const ds = small(name);
    const p = ds.params;
    assert.equal(ds.sessions.length, name === "chaotic_rnn_multisession" ? 5 : 1, name);
    for (const s of ds.sessions) {
      const T = s.numSteps;
      const S = s.numChannels;
      assert.equal(T, 100);
      assert.equal(S, name === "chaotic_rnn_multisession" ? 20 : 50);
      assert.equal(s.train.numTrials, p.C * p.trainPerCondition, name);
      assert.equal(s.valid.numTrials, p.C * p.validPerCondition, name);
      assert.equal(s.train.numTrials / (s.train.numTrials + s.valid.numTrials), 0.8);
      for (const split of [s.train, s.valid]) {
        assert.equal(split.data.length, split.numTrials * T * S);
        assert.equal(split.truth.length, split.numTrials * T * S);
        assert.ok(name.startsWith("gaussian") ? split.data instanceof Float64Array : split.data instanceof Int32Array, name);
        const perCond = new Array<number>(p.C).fill(0);
        split.conditionLabels.forEach((c, i) => {
          perCond[c]!++;
          assert.equal(c, Math.floor(split.inds[i]! / p.nreplications), `${name}: label of trial ${split.inds[i]}`);
        });
        assert.ok(perCond.every((n) => n === (split === s.train ? p.trainPerCondition : p.validPerCondition)), name);
        for (let e = 0; e < split.numTrials; e++) {
          for (let ch = 0; ch < S; ch++) {
            let lo = Infinity;
            let hi = -Infinity;
            for (let t = 0; t < T; t++) {
              const v = split.truth[(e * T + t) * S + ch]!;
              lo = Math.min(lo, v);
              hi = Math.max(hi, v);
            }
            assert.ok(lo === 0 && Math.abs(hi - 1) < 1e-6, `${name}: trial ${e} channel ${ch} truth in [${lo}, ${hi}]`);
          }
        }
      }
      const all = [...s.train.inds, ...s.valid.inds].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: p.trialsPerSession }, (_, i) => i));
      assert.ok(Math.abs(s.conversionFactor - 1 / 0.3) < 1e-12);
    }
  }
});

test("noise statistics: Poisson counts average 0.3·truth per bin; Gaussian residual std 15", () => {
  for (const name of ["chaotic_rnn_no_inputs", "chaotic_rnn_inputs_g2p5", "itb_rnn", "chaotic_rnns_labeled"] as const) {
    const s = small(name).sessions[0]!;
    const counts = s.train.data;
    const expected = 0.3 * mean(s.train.truth);
    const got = mean(counts);
    // ~ 64k bins of Poisson(≈0.15): the standard error of the mean is ~0.0015.
    assert.ok(Math.abs(got - expected) < 0.01, `${name}: mean count ${got}, expected ${expected}`);
    assert.ok(got <= 0.3, `${name}: mean count per bin ${got} above 30 Hz·dt`);
    let neg = 0;
    for (let i = 0; i < counts.length; i++) if (counts[i]! < 0 || !Number.isInteger(counts[i]!)) neg++;
    assert.equal(neg, 0);
  }
  const g = small("gaussian_chaotic_rnn_no_inputs").sessions[0]!;
  const res = Float64Array.from(g.train.data, (v, i) => v - 30 * g.train.truth[i]!);
  const sd = Math.sqrt(mean(res.map((r) => r * r)));
  assert.ok(Math.abs(mean(res)) < 0.3, `residual mean ${mean(res)}`);
  assert.ok(Math.abs(sd - 15) < 0.3, `residual std ${sd}`);
});

test("input pulses: one per trial at a step in [25, 74] with magnitude 20; the pulse changes the trajectory from that step on", () => {
  for (const name of ["chaotic_rnn_inputs_g1p5", "chaotic_rnn_inputs_g2p5"] as const) {
    const s = small(name).sessions[0]!;
    const seen = new Set<number>();
    for (const split of [s.train, s.valid]) {
      assert.equal(split.inputTimes!.length, split.numTrials);
      for (let e = 0; e < split.numTrials; e++) {
        const t0 = split.inputTimes![e]!;
        assert.ok(t0 >= 25 && t0 <= 74, `pulse at ${t0}`);
        seen.add(t0);
        for (let t = 0; t < 100; t++) assert.equal(split.inputTruth![e * 100 + t], t === t0 ? 20 : 0);
      }
    }
    assert.ok(seen.size > 20, `only ${seen.size} distinct pulse times`);
  }
  const none = small("chaotic_rnn_no_inputs").sessions[0]!;
  assert.equal(none.train.inputTimes!.length, 0);
  assert.ok(none.train.inputTruth!.every((v) => v === 0));

  const rnn = generateDataRnn(new Rng(5), 50, 1.5, 0.025, 0.01, 30);
  const x0 = Array.from({ length: 50 }, () => 1);
  const free = runDataRnn(rnn, x0, 100, new Float64Array(5000));
  const kicked = runDataRnn(rnn, x0, 100, new Float64Array(5000), { time: 40, magnitude: 20 });
  assert.deepEqual(kicked.subarray(0, 40 * 50), free.subarray(0, 40 * 50));
  let d = 0;
  for (let i = 0; i < 50; i++) d += Math.abs(kicked[40 * 50 + i]! - free[40 * 50 + i]!);
  assert.ok(d / 50 > 0.1, `pulse moved r by ${d / 50} on average`);
});

test("data RNN: seed 5 gives Python's network (W[0,0] = 0.06239899); g = 1.5 and 2.5 stay active", () => {
  const rnn = generateDataRnn(new NumpyRandomState(5), 50, 1.5, 0.025, 0.01, 30);
  assert.ok(Math.abs(rnn.W[0]! - 0.06239899) < 1e-8, `W[0,0] = ${rnn.W[0]}`);
  assert.ok(Math.abs(mean(rnn.W)) < 0.02);
  assert.ok(Math.abs(mean(rnn.W.map((v) => v * v)) * 50 - 1) < 0.06);
  for (const [N, g] of [[50, 1.5], [50, 2.5], [100, 1.5]] as const) {
    const r = generateDataRnn(new NumpyRandomState(5), N, g, 0.025, 0.01, 30);
    const out = runDataRnn(r, Array.from({ length: N }, (_, i) => Math.sin(i)), 400, new Float64Array(400 * N));
    const late = out.subarray(300 * N);
    let sd = 0;
    for (let n = 0; n < N; n++) {
      const col = Array.from({ length: 100 }, (_, t) => late[t * N + n]!);
      const m = mean(col);
      sd += Math.sqrt(mean(col.map((v) => (v - m) ** 2))) / N;
    }
    assert.ok(sd > 0.1, `N = ${N}, g = ${g}: mean temporal std ${sd} in steps 300–400`);
  }
});

/** Skip (with the reason) unless /usr/bin/python3 has numpy and h5py. */
function needPython(t: { skip(msg: string): void }): boolean {
  const probe = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { encoding: "utf8" });
  if (probe.status === 0) return true;
  const why = `${PYTHON} -c "import h5py, numpy" failed: ${(probe.stderr || probe.error?.message || "").trim().split("\n").pop()}`;
  process.stderr.write(`skipping: ${why}\n`);
  t.skip(why);
  return false;
}

test("NumpyRandomState reproduces numpy's RandomState: randn, choice, poisson (both methods), randint", (t) => {
  if (!needPython(t)) return;
  const r = new NumpyRandomState(5);
  const ours = [
    ...Array.from({ length: 5 }, () => r.normal()),
    ...Array.from({ length: 7 }, () => r.randint(50)),
    ...Array.from({ length: 20 }, () => r.poisson(0.3)),
    ...Array.from({ length: 10 }, () => r.poisson(25.5)),
    ...Array.from({ length: 5 }, () => r.randint(2)),
    r.normal(),
    r.randomSample(),
  ];
  const py = spawnSync(
    PYTHON,
    ["-c", "import json, numpy as np\nr = np.random.RandomState(5)\no = list(r.randn(5)) + list(r.choice(50, size=7)) + list(r.poisson(0.3, size=20)) + list(r.poisson(25.5, size=10)) + list(r.randint(2, size=5)) + [r.randn(), r.random_sample()]\nprint(json.dumps([float(x) for x in o]))"],
    { encoding: "utf8" },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.deepEqual(ours, JSON.parse(py.stdout));
});

test("chaotic sets match a numpy re-statement of the Python generator (same pulse times and spikes)", async (t) => {
  if (!needPython(t)) return;
  const C = 2;
  const file = path.join(tmp, "numpy-ref.h5");
  // The draw sequence of generate_chaotic_rnn_data.py (generate_rnn, x0s, choice, run, normalise, spikify).
  const script = `
import sys, numpy as np, h5py
C, N, S, nrep, g, mag, T, dt, tau = ${C}, 50, 50, 10, 1.5, 20.0, 100, 0.01, 0.025
rng = np.random.RandomState(5)
W = rng.randn(N, N) / np.sqrt(N); Bin = rng.randn(N); rng.randn(N)
x0s = [rng.randn(N, 1) for _ in range(C)]
E = C * nrep
times = rng.choice(T // 2, size=E) + T // 4
k = dt / tau
tr = np.zeros((E, T, S)); sp = np.zeros((E, T, S), dtype=np.int64)
for e in range(E):
    x = x0s[e // nrep][:, 0].copy(); r = np.tanh(x); rs = np.zeros((N, T))
    for t in range(T):
        x = (1.0 - k) * x + np.dot(k * W * g, r)
        if t == times[e]: x = x + k * Bin * mag
        r = np.tanh(x); rs[:, t] = r
    lo = rs.min(axis=1, keepdims=True); hi = rs.max(axis=1, keepdims=True)
    tr[e] = ((rs - lo) / (hi - lo)).T
for e in range(E):
    for i in range(S):
        sp[e, :, i] = rng.poisson(tr[e, :, i] * 30.0 * dt, size=T)
with h5py.File(sys.argv[1], "w") as f:
    f["truth"] = tr; f["spikes"] = sp; f["times"] = times
`;
  const r = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const s = generateSynthDataset("chaotic_rnn_inputs_g1p5", { C }).sessions[0]!;
  await readH5(file, (f) => {
    const truth = readArray(f, "truth").data;
    const spikes = readArray(f, "spikes").data;
    const times = readArray(f, "times").data;
    const R = 100 * 50;
    let maxDiff = 0;
    let mismatches = 0;
    for (const split of [s.train, s.valid]) {
      split.inds.forEach((e, row) => {
        assert.equal(split.inputTimes![row], times[e], `pulse time of trial ${e}`);
        for (let i = 0; i < R; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(truth[e * R + i]! - split.truth[row * R + i]!));
          if (spikes[e * R + i] !== split.data[row * R + i]) mismatches++;
        }
      });
    }
    assert.ok(maxDiff < 1e-6, `truth differs by up to ${maxDiff} (float32 storage is ~3e-8)`);
    assert.ok(mismatches <= 2, `${mismatches} of ${20 * R} spike counts differ from numpy's`);
  });
});

test("labelled set: ext_input is 0/1, constant over time; each trial's truth is RNN a's or b's for its condition", () => {
  const s = small("chaotic_rnns_labeled").sessions[0]!;
  const T = 100;
  const S = 50;
  const counts = [0, 0];
  const byKey = new Map<string, Float32Array>();
  for (const split of [s.train, s.valid]) {
    assert.equal(split.extInput!.length, split.numTrials * T);
    for (let e = 0; e < split.numTrials; e++) {
      const lab = split.extInput![e * T]!;
      assert.ok(lab === 0 || lab === 1);
      for (let t = 1; t < T; t++) assert.equal(split.extInput![e * T + t], lab);
      counts[lab]!++;
      const key = `${split.conditionLabels[e]}:${lab}`;
      const tr = split.truth.subarray(e * T * S, (e + 1) * T * S);
      const prev = byKey.get(key);
      if (prev) assert.deepEqual(tr, prev, `condition/label ${key} differs between replications`);
      else byKey.set(key, tr);
    }
  }
  assert.ok(counts[0]! > 15 && counts[1]! > 15, `labels ${counts}`);
  for (let c = 0; c < 8; c++) {
    const a = byKey.get(`${c}:0`);
    const b = byKey.get(`${c}:1`);
    if (a && b) assert.ok(corr(a, b) < 0.9, `condition ${c}: RNN a and b give the same rates`);
  }
});

test("multi-session: 5 sessions × 20 distinct units; alignment [20,10] with bias = channel means", () => {
  const ds = small("chaotic_rnn_multisession");
  const seen = new Set<number>();
  assert.deepEqual(ds.sessions.map((s) => s.name), [1, 2, 3, 4, 5].map((n) => `dataset_N100_S20_n${n}`));
  for (const s of ds.sessions) {
    assert.equal(s.P.length, 20 * 100);
    for (let r = 0; r < 20; r++) {
      const row = Array.from(s.P.subarray(r * 100, (r + 1) * 100));
      assert.equal(row.filter((v) => v === 1).length, 1);
      assert.equal(row.filter((v) => v !== 0).length, 1);
      seen.add(row.indexOf(1));
    }
    assert.equal(s.alignmentMatrix!.length, 20 * 10);
    assert.equal(s.alignmentBias!.length, 20);
    assert.ok(s.alignmentMatrix!.every(Number.isFinite));
    // The bias is the mean of the smoothed condition averages, i.e. close to each channel's mean count.
    const T = 100;
    for (let ch = 0; ch < 20; ch++) {
      let m = 0;
      for (let i = ch; i < s.train.data.length; i += 20) m += s.train.data[i]!;
      m /= s.train.numTrials * T;
      assert.ok(Math.abs(m - s.alignmentBias![ch]!) < 1e-9 + 0.02 * m, `bias ${s.alignmentBias![ch]} vs mean ${m}`);
    }
  }
  assert.equal(seen.size, 100);
  // All sessions observe one RNN: their aligned condition averages share the top PCs.
  const proj = ds.sessions.map((s) => {
    const T = 100;
    const C = 8;
    const avg = new Float64Array(C * T * 20);
    s.train.conditionLabels.forEach((c, e) => {
      for (let i = 0; i < T * 20; i++) avg[c * T * 20 + i] += s.train.data[e * T * 20 + i]! / 32;
    });
    const out = new Float64Array(C * T);
    for (let i = 0; i < C * T; i++) for (let ch = 0; ch < 20; ch++) out[i] += (avg[i * 20 + ch]! - s.alignmentBias![ch]!) * s.alignmentMatrix![ch * 10]!;
    return out;
  });
  for (let k = 1; k < 5; k++) assert.ok(corr(proj[0]!, proj[k]!) > 0.5, `session ${k + 1} PC1 vs session 1: r = ${corr(proj[0]!, proj[k]!)}`);
});

test("ITB: the hand-built network integrates its input and saturates at ±1", () => {
  const net = buildItbNetwork(50);
  const rng = new Rng(11);
  let err = 0;
  let n = 0;
  let hitBound = 0;
  const states = new Float64Array(100 * 50);
  const z = new Float64Array(100);
  for (let trial = 0; trial < 100; trial++) {
    const { u, target } = itbInputs(rng, 100, 0.25);
    runItbNetwork(net, u, states, z);
    let y = 0;
    for (let t = 0; t < 100; t++) {
      y = Math.max(-1, Math.min(1, y + u[t]!)); // the saturating integrator the network implements
      err += (z[t]! - y) ** 2;
      n++;
      assert.ok(Math.abs(z[t]!) < 1.1, `readout ${z[t]} beyond the bound`);
    }
    if (target.some((v) => Math.abs(v) === 1)) hitBound++;
  }
  assert.ok(Math.sqrt(err / n) < 0.06, `rms error vs bounded integral ${Math.sqrt(err / n)}`);
  assert.ok(hitBound > 30, `only ${hitBound} of 100 trials reach the bound`);
  // The generated set records u and the readout; replications of a condition share them.
  const s = small("itb_rnn").sessions[0]!;
  const u = s.train.inputsU!;
  const sd = Math.sqrt(mean(u.map((v) => v * v)));
  assert.ok(Math.abs(sd - 0.25) < 0.02, `u std ${sd}`);
  assert.equal(s.train.outputsU!.length, s.train.numTrials * 100);
  assert.deepEqual(s.train.inputsU!.subarray(0, 100), s.train.inputsU!.subarray(100, 200));
});

test("seeds: same seed → same data; other seed → other data; a smaller C gives a prefix of the same conditions", () => {
  const a = generateSynthDataset("chaotic_rnn_inputs_g1p5", { C: 3, seed: 9 }).sessions[0]!;
  const b = generateSynthDataset("chaotic_rnn_inputs_g1p5", { C: 3, seed: 9 }).sessions[0]!;
  const c = generateSynthDataset("chaotic_rnn_inputs_g1p5", { C: 3, seed: 10 }).sessions[0]!;
  assert.deepEqual(a.train.data, b.train.data);
  assert.deepEqual(a.valid.truth, b.valid.truth);
  assert.deepEqual(a.train.inputTimes, b.train.inputTimes);
  assert.notDeepEqual(a.train.truth, c.train.truth);
  assert.notDeepEqual(a.train.data, c.train.data);
  const big = generateSynthDataset("chaotic_rnn_no_inputs", { C: 6 }).sessions[0]!;
  const little = generateSynthDataset("chaotic_rnn_no_inputs", { C: 3 }).sessions[0]!;
  assert.deepEqual(little.train.truth, big.train.truth.subarray(0, little.train.truth.length));
  for (const name of ["itb_rnn", "chaotic_rnns_labeled", "chaotic_rnn_multisession"] as const) {
    const x = generateSynthDataset(name, { C: 2, seed: 3 });
    const y = generateSynthDataset(name, { C: 2, seed: 3 });
    x.sessions.forEach((s, i) => assert.deepEqual(s.train.data, y.sessions[i]!.train.data, name));
  }
});

test("multi-session alignment matches add_alignment_projections' numpy algebra (up to PC signs)", async (t) => {
  if (!needPython(t)) return;
  const r0 = spawnSync(PYTHON, ["-c", "import scipy.signal"], { encoding: "utf8" });
  if (r0.status !== 0) {
    t.skip(`${PYTHON} has no scipy`);
    return;
  }
  const dir = path.join(tmp, "align");
  await writeSynthDataset(dir, "chaotic_rnn_multisession", { C: 3 });
  const script = `
import sys, os, json, h5py, numpy as np, scipy.signal
d = sys.argv[1]
ds = [{k: np.array(v) for k, v in h5py.File(os.path.join(d, f), "r").items()} for f in sorted(os.listdir(d))]
T, C = 100, 3
rows = []
for x in ds:
    avg = np.zeros((x["train_data"].shape[2], T * C))
    for c in range(C):
        avg[:, c * T:(c + 1) * T] = x["train_data"][x["condition_labels_train"] == c].mean(0).T
    rows.append(avg)
A = np.array([scipy.signal.filtfilt(np.ones(6) / 6, [1.0], r) for r in np.concatenate(rows, 0)])
mu = A.mean(1, keepdims=True); Z = A - mu
ev, V = np.linalg.eigh(Z @ Z.T); V = V[:, np.argsort(ev)[::-1]]
pcs = V[:, :10].T @ Z
err = 0.0
for i, x in enumerate(ds):
    S = x["train_data"].shape[2]
    W = np.linalg.lstsq(Z[i * S:(i + 1) * S].T, pcs.T, rcond=None)[0]
    ours = x["alignment_matrix_cxf"]
    err = max(err, np.abs(W * np.sign((W * ours).sum(0)) - ours).max(), np.abs(x["alignment_bias_c"] - mu[i * S:(i + 1) * S, 0]).max())
print(json.dumps(err))
`;
  const r = spawnSync(PYTHON, ["-c", script, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const err = JSON.parse(r.stdout) as number;
  assert.ok(err < 1e-9, `alignment differs from numpy's by ${err}`);
});

test("filtfiltFir matches scipy.signal.filtfilt (boxcar of 6, odd padding)", (t) => {
  const x = Array.from({ length: 60 }, (_, i) => Math.sin(i / 3) + (i % 7) * 0.1);
  const ours = filtfiltFir(Array(6).fill(1 / 6), x);
  const r = spawnSync(PYTHON, ["-c", "import sys, json, numpy as np, scipy.signal as s; x=json.loads(sys.stdin.read()); print(json.dumps(s.filtfilt(np.ones(6)/6, [1.0], x).tolist()))"], { input: JSON.stringify(x), encoding: "utf8" });
  if (r.status !== 0) {
    t.skip(`${PYTHON} with scipy unavailable: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    return;
  }
  const ref = JSON.parse(r.stdout) as number[];
  ref.forEach((v, i) => assert.ok(Math.abs(v - ours[i]!) < 1e-12, `sample ${i}: ${ours[i]} vs scipy ${v}`));
});

test("files: names, keys and dtypes as the Python LFADS reads them (our reader)", async () => {
  const dir = path.join(tmp, "ours");
  for (const name of SYNTH_PRESET_NAMES) await writeSynthDataset(dir, name, { C: 2 });
  assert.deepEqual(fs.readdirSync(dir).sort(), [
    "chaotic_rnn_inputs_g1p5_dataset_N50_S50",
    "chaotic_rnn_inputs_g2p5_dataset_N50_S50",
    ...[1, 2, 3, 4, 5].map((n) => `chaotic_rnn_multisession_dataset_N100_S20_n${n}`),
    "chaotic_rnn_no_inputs_dataset_N50_S50",
    "chaotic_rnns_labeled_dataset_N50",
    "gaussian_chaotic_rnn_no_inputs_dataset_N50_S50",
    "itb_rnn_dataset_N50",
  ]);
  const base = ["P_sxn", "condition_labels_train", "condition_labels_valid", "conversion_factor", "dt", "nreplications", "train_data", "train_inds", "train_percentage", "train_truth", "valid_data", "valid_inds", "valid_truth"];
  const chaotic = [...base, "input_magnitude", "input_times_train", "input_times_valid", "input_train_truth", "input_valid_truth"];
  const expectKeys: Record<string, string[]> = {
    chaotic_rnn_inputs_g2p5_dataset_N50_S50: chaotic,
    gaussian_chaotic_rnn_no_inputs_dataset_N50_S50: chaotic,
    chaotic_rnn_multisession_dataset_N100_S20_n3: [...chaotic, "alignment_bias_c", "alignment_matrix_cxf"],
    chaotic_rnns_labeled_dataset_N50: [...base, "nspikifications", "train_ext_input", "valid_ext_input"],
    itb_rnn_dataset_N50: [...base, "max_firing_rate", "train_inputs_u", "train_outputs_u", "u_std", "valid_inputs_u", "valid_outputs_u"],
  };
  for (const [file, keys] of Object.entries(expectKeys)) {
    await readH5(path.join(dir, file), (f) => {
      assert.deepEqual(f.keys().sort(), [...keys].sort(), file);
      const data = readArray(f, "train_data");
      assert.equal(data.dtype, file.startsWith("gaussian") ? "<d" : "<q", `${file} train_data dtype`);
      const nTrain = file.includes("multisession") ? 2 * 32 : file.includes("itb") ? 2 * 4 : 2 * 8;
      assert.deepEqual(data.shape, [nTrain, 100, file.includes("multisession") ? 20 : 50], file);
      const inds = readArray(f, "valid_inds").data;
      assert.ok(inds[0]! >= 1, "1-based indices");
      if (file.includes("multisession")) assert.deepEqual(readArray(f, "alignment_matrix_cxf").shape, [20, 10]);
      if (file.includes("labeled")) assert.deepEqual(readArray(f, "train_ext_input").shape, [16, 100, 1]);
      assert.deepEqual(readArray(f, "conversion_factor").shape, []);
    });
  }
});

test("h5py reads a file the way run_lfads.py does (stem prefix, integer counts, ext_input)", async (t) => {
  if (!needPython(t)) return;
  const dir = path.join(tmp, "h5py");
  await writeSynthDataset(dir, "chaotic_rnns_labeled", { C: 3 });
  await writeSynthDataset(dir, "chaotic_rnn_multisession", { C: 3 });
  const script = `
import sys, os, json, h5py, numpy as np
d = sys.argv[1]
out = {}
for stem in ["chaotic_rnns_labeled", "chaotic_rnn_multisession"]:
    names = sorted(f for f in os.listdir(d) if f.startswith(stem))
    for fn in names:
        name = fn[len(stem) + 1:]
        with h5py.File(os.path.join(d, fn), "r") as hf:
            data = {k: np.array(v) for k, v in hf.items()}
        assert np.issubdtype(data["train_data"].dtype, np.integer), data["train_data"].dtype
        rec = {k: [list(v.shape), str(v.dtype)] for k, v in data.items()}
        rec["_name"] = name
        rec["_sum"] = int(data["train_data"].sum())
        if "train_ext_input" in data:
            x = data["train_ext_input"]
            rec["_ext_const"] = bool((x == x[:, :1, :]).all()) and set(np.unique(x).tolist()) <= {0.0, 1.0}
        out[fn] = rec
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ["-c", script, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
  const lab = got.chaotic_rnns_labeled_dataset_N50!;
  assert.equal(lab._name, "dataset_N50");
  assert.deepEqual(lab.train_data, [[24, 100, 50], "int64"]);
  assert.deepEqual(lab.valid_truth, [[6, 100, 50], "float32"]);
  assert.deepEqual(lab.train_ext_input, [[24, 100, 1], "float64"]);
  assert.deepEqual(lab.conversion_factor, [[], "float64"]);
  assert.deepEqual(lab.nreplications, [[], "int64"]);
  assert.equal(lab._ext_const, true);
  const ms = Object.keys(got).filter((k) => k.startsWith("chaotic_rnn_multisession")).sort();
  assert.deepEqual(ms.map((k) => got[k]!._name), [1, 2, 3, 4, 5].map((n) => `dataset_N100_S20_n${n}`));
  const s3 = got.chaotic_rnn_multisession_dataset_N100_S20_n3!;
  assert.deepEqual(s3.alignment_matrix_cxf, [[20, 10], "float64"]);
  assert.deepEqual(s3.alignment_bias_c, [[20], "float64"]);
  assert.deepEqual(s3.input_times_train, [[0], "int64"]);
  // The counts h5py sees are the ones we generated.
  const again = generateSynthDataset("chaotic_rnns_labeled", { C: 3 }).sessions[0]!;
  let sum = 0;
  for (const v of again.train.data) sum += v;
  assert.equal(lab._sum, sum);
});

test("lfads synth: writes the preset, lists presets, rejects a missing --out", async () => {
  let out = "";
  const io = { out: (s: string) => void (out += s), err: () => {} };
  const dir = path.join(tmp, "cli");
  const code = await synthCommand.run!({ options: { out: dir, seed: 3, scale: 0.01 }, positionals: ["itb_rnn"] }, io);
  assert.equal(code, 0);
  assert.deepEqual(fs.readdirSync(dir), ["itb_rnn_dataset_N50"]);
  assert.match(out, /itb_rnn_dataset_N50: 32 train \/ 8 valid trials × 100 steps × 50 channels/);
  assert.match(out, /--data_filename_stem=itb_rnn/);
  out = "";
  await synthCommand.run!({ options: { list: true }, positionals: [] }, io);
  for (const n of SYNTH_PRESET_NAMES) assert.match(out, new RegExp(`^ {2}${n} `, "m"));
  await assert.rejects(async () => synthCommand.run!({ options: {}, positionals: ["itb_rnn"] }, io), /--out/);
});
