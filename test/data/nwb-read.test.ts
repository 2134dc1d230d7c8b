/** NWB → binned trials → Dataset: hand-checked bin counts, the fixture against numpy's binning, and the errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { NwbDataset, binNwbTrials, readNwb, writeNwbFile, type NwbFileInput } from "../../src/data/index.js";
import { writeNlbMazeNwb } from "../../src/data/synth/index.js";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-nwb-read-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Two trials, three units (the middle one held out), hand_vel x = t in ms, y = −t. */
function tiny(edit: (n: NwbFileInput) => void = () => {}): NwbFileInput {
  const msGrid = Float64Array.from({ length: 1300 }, (_, k) => k / 1000);
  const vel = new Float64Array(2 * msGrid.length);
  msGrid.forEach((t, k) => {
    vel[2 * k] = t * 1000;
    vel[2 * k + 1] = -t * 1000;
  });
  const all = Float64Array.of(0, 1.3);
  const n: NwbFileInput = {
    identifier: "tiny",
    sessionDescription: "hand-checked binning",
    sessionStartTime: "2026-01-01T00:00:00+00:00",
    seed: 1,
    units: {
      ids: [10, 11, 12],
      spikeTimes: [
        // k = ⌊round₆(1000 t)⌋: 100, 100, 104, 105 (0.1049999999 s rounds up), 105, 200, 205, 810
        Float64Array.of(0.1, 0.1004, 0.104999, 0.1049999999, 0.105, 0.2, 0.2049999999, 0.81),
        Float64Array.of(0.106, 0.107, 0.26, 0.8),
        Float64Array.of(0.25, 0.251, 0.7),
      ],
      obsIntervals: [all, all, all],
      columns: [{ name: "heldout", description: "held out", data: { kind: "bool", values: [false, true, false] } }],
    },
    trials: {
      ids: [0, 1],
      startTime: Float64Array.of(0, 0.6),
      stopTime: Float64Array.of(0.5, 1.2),
      columns: [
        { name: "split", description: "split", data: { kind: "text", values: ["train", "val"] } },
        { name: "move_onset_time", description: "onset", data: { kind: "float", values: Float64Array.of(0.2003, 0.8) } },
        { name: "trial_type", description: "type", data: { kind: "int", values: [2, 1] } },
      ],
    },
    behavior: [{ name: "hand_vel", description: "v", data: vel, nChannels: 2, unit: "mm/s", timestamps: msGrid, comments: "columns=[x,y]" }],
  };
  edit(n);
  return n;
}

async function tinyFile(name: string, edit?: (n: NwbFileInput) => void): Promise<string> {
  const file = path.join(tmp, name);
  await writeNwbFile(file, tiny(edit));
  return file;
}

const OPTS = { binWidthMs: 5, windowMs: [-100, 50] as const, forwardMs: 10, behavior: { name: "hand_vel", lagMs: 10 } };

test("readNwb: ragged spike times, obs_intervals, heldout, trials columns and behaviour as written", async () => {
  const c = await readNwb(await tinyFile("read.nwb"));
  assert.deepEqual(Array.from(c.units.ids), [10, 11, 12]);
  assert.deepEqual(c.units.spikeTimes.map((s) => s.length), [8, 4, 3]);
  assert.deepEqual(Array.from(c.units.spikeTimes[2]!), [0.25, 0.251, 0.7]);
  assert.deepEqual(Array.from(c.units.obsIntervals[1]!), [0, 1.3]);
  assert.deepEqual(c.units.heldout, [false, true, false]);
  assert.deepEqual([...c.trials.columns.keys()], ["start_time", "stop_time", "split", "move_onset_time", "trial_type"]);
  assert.deepEqual(c.trials.columns.get("split"), { kind: "text", values: ["train", "val"] });
  assert.deepEqual(Array.from((c.trials.columns.get("trial_type") as { values: Float64Array }).values), [2, 1]);
  const hv = c.behavior.get("hand_vel")!;
  assert.deepEqual([hv.nChannels, hv.channels, hv.timestamps.length], [2, ["x", "y"], 1300]);
});

test("binNwbTrials: hand-checked 5-ms counts, forward bins, held-out split and lagged behaviour", async () => {
  const b = binNwbTrials(await readNwb(await tinyFile("bin.nwb")), OPTS);
  // trial 0: a = 200.3 ms, bins whose start label lies in [100.3, 250.3): labels 105, 110, …, 250 (30 bins); forward 255, 260
  // trial 1: a = 800 ms: labels 700 … 845; forward 850, 855
  assert.deepEqual([b.nBins, b.nForward, b.heldin.shape, b.heldout.shape, b.heldinForward.shape], [30, 2, [2, 30, 2], [2, 30, 1], [2, 2, 2]]);
  assert.deepEqual(Array.from(b.heldinIds), [10, 12]);
  assert.deepEqual(Array.from(b.heldoutIds), [11]);
  const at = (x: { data: Float32Array; shape: readonly number[] }, tr: number, bin: number, n: number): number => x.data[(tr * x.shape[1]! + bin) * x.shape[2]! + n]!;
  const nonzero = (x: { data: Float32Array; shape: readonly number[] }): string[] => {
    const out: string[] = [];
    x.data.forEach((v, i) => v && out.push(`${Math.floor(i / (x.shape[1]! * x.shape[2]!))}:${Math.floor(i / x.shape[2]!) % x.shape[1]!}:${i % x.shape[2]!}=${v}`));
    return out;
  };
  // unit 10: k 105, 105 → bin 0 (2 spikes); k 200 → bin 19; k 205 → bin 20; k 810 → trial 1 bin 22. unit 12: k 250 → bin 29, 251 → forward 0 (label 250 is the last window bin: 250..254); k 700 → trial 1 bin 0
  assert.deepEqual(nonzero(b.heldin), ["0:0:0=2", "0:19:0=1", "0:20:0=1", "0:29:1=2", "1:0:1=1", "1:22:0=1"]);
  assert.equal(at(b.heldin, 0, 29, 1), 2);
  assert.deepEqual(nonzero(b.heldinForward), []);
  // held-out unit 11: k 106, 107 → trial 0 bin 0; 260 → forward bin 1 (label 260); 800 → trial 1 bin 20
  assert.deepEqual(nonzero(b.heldout), ["0:0:0=2", "1:20:0=1"]);
  assert.deepEqual(nonzero(b.heldoutForward), ["0:1:0=1"]);
  // behaviour at label + 10 ms: trial 0 bin 0 → 115, trial 1 bin 3 → 725
  const beh = b.behavior!;
  assert.deepEqual([beh.data.data[0], beh.data.data[1], beh.data.data[(30 + 3) * 2]], [115, -115, 725]);
  assert.deepEqual([b.split, Array.from(b.conditionIndex), b.conditions], [["train", "val"], [1, 0], ["1", "2"]]);
});

test("NwbDataset: held-in counts as the Dataset's [trial, channel, time], the NLB tensors kept beside them", async () => {
  await tinyFile("ds.nwb");
  const ds = new NwbDataset(undefined, path.join(tmp, "ds.nwb"), { bin: OPTS });
  const d = await ds.loadData();
  assert.deepEqual([d.nTrials, d.nChannels, d.nTime, d.binWidthMs, d.timeVecMs[0]], [2, 2, 30, 5, -100]);
  assert.equal(d.counts.data[(0 * 2 + 1) * 30 + 29], 2);
  assert.deepEqual(Array.from(d.conditionId as Float64Array), [1, 0]);
  assert.equal(ds.trials?.heldout.shape[2], 1);
  // What LFADS reconstructs: held-in ‖ held-out channels over the window ‖ the 2 forward bins, counts first.
  const t = ds.trials!;
  const r = d.reconCounts!;
  assert.deepEqual(r.shape, [2, 3, 32]);
  for (let e = 0; e < 2; e++) {
    for (let b = 0; b < 32; b++) {
      for (let k = 0; k < 3; k++) {
        const want = b < 30 ? (k < 2 ? t.heldin : t.heldout).data[(e * 30 + b) * (k < 2 ? 2 : 1) + (k < 2 ? k : 0)]! : (k < 2 ? t.heldinForward : t.heldoutForward).data[(e * 2 + b - 30) * (k < 2 ? 2 : 1) + (k < 2 ? k : 0)]!;
        assert.equal(r.data[(e * 3 + k) * 32 + b], want, `trial ${e} unit ${k} bin ${b}`);
      }
    }
  }
  assert.ok(Array.from(r.data).reduce((a, v) => a + v, 0) > Array.from(d.counts.data).reduce((a, v) => a + v, 0), "the held-out unit and forward bins add spikes");
});

test("errors: not NWB, a missing column, a window outside its trial or obs_intervals, unsorted spikes", async () => {
  const plain = path.join(tmp, "plain.h5");
  await writeH5Atomic(plain, (f) => writeArray(f, "train_data", { data: new Float64Array(2), shape: [2] }));
  await assert.rejects(readNwb(plain), /plain\.h5 is an HDF5 file but not NWB: .*root keys: train_data\. Pass an NWB 2\.x file/);

  const c = await readNwb(await tinyFile("err.nwb", (n) => (n.trials.startTime[1] = 0.52)));
  assert.throws(() => binNwbTrials(c, { ...OPTS, alignField: "move_onset" }), /alignField 'move_onset' is not a numeric column .*columns are start_time, stop_time, split, move_onset_time, trial_type \(did you mean 'move_onset_time'\?\)/);
  assert.throws(() => binNwbTrials(c, { ...OPTS, behavior: { name: "eye_pos", lagMs: 0 } }), /behavior 'eye_pos' is not a TimeSeries of the file; it has hand_vel/);
  assert.throws(() => binNwbTrials(c, { ...OPTS, windowMs: [-250, 50] }), /trial row 0 \(id 0, move_onset_time = 0\.2003 s\): its bins span \[-45, 265\) ms, outside the trial \[0, 500\] ms; shrink windowMs = \[-250, 50\].*invalidTrials: "drop"/);
  assert.deepEqual(Array.from(binNwbTrials(c, { ...OPTS, windowMs: [-250, 50], invalidTrials: "drop" }).trialIds), [1]);
  assert.throws(() => binNwbTrials(c, { ...OPTS, windowMs: [-100, 52] }), /windowMs = \[-100, 52\]: hi must exceed lo by a multiple of binWidthMs = 5/);

  const gap = await readNwb(await tinyFile("gap.nwb", (n) => ((n.units.obsIntervals as Float64Array[])[2] = Float64Array.of(0, 0.5, 0.75, 1.3))));
  assert.throws(() => binNwbTrials(gap, OPTS), /trial row 1 \(id 1.*: its bins span \[700, 860\) ms, outside the obs_intervals of units row 2 \(id 12\): \[0, 0\.5\], \[0\.75, 1\.3\] s/);

  const unsorted = await readNwb(await tinyFile("unsorted.nwb", (n) => ((n.units.spikeTimes as Float64Array[])[1] = Float64Array.of(0.2, 0.1))));
  assert.throws(() => binNwbTrials(unsorted, OPTS), /units row 1 \(id 11\): spike_times are not sorted: spike 1 at 0\.1 s comes after 0\.2 s; NWB requires/);
});

const NUMPY_BIN = String.raw`
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
u, t = f["units"], f["intervals/trials"]
rows = np.split(u["spike_times"][:], u["spike_times_index"][:-1])
held = u["heldout"][:].astype(bool)
mo = t["move_onset_time"][:]
out = []
for a in mo:
    a = np.round(a * 1000, 6)
    j0 = int(np.ceil((a - 250) / 5))
    edges = (j0 + np.arange(141)) * 5
    ks = [np.floor(np.round(r * 1000, 6)) for r in rows]
    # half-open blocks [edges[i], edges[i+1]) (np.histogram would close the last one)
    c = np.array([[np.count_nonzero((k >= lo) & (k < hi)) for lo, hi in zip(edges[:-1], edges[1:])] for k in ks])
    out.append([int(c[~held].sum()), int(c[held].sum()), int(c[~held][:, 70].sum())])
print(json.dumps(out))
`;

test("the fixture binned at NLB's MC_Maze setting agrees with numpy's binning of the same file", async (t) => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "fixture"));
  const b = binNwbTrials(await readNwb(file));
  assert.deepEqual([b.heldin.shape, b.heldout.shape, b.heldinForward.shape, b.behavior!.data.shape], [[100, 140, 107], [100, 140, 35], [100, 40, 107], [100, 140, 2]]);
  assert.deepEqual([b.split.filter((s) => s === "train").length, b.conditions.length], [75, 8]);
  const r = spawnSync(PYTHON, ["-c", NUMPY_BIN, file], { encoding: "utf8" });
  if (r.status !== 0 && /No module named/.test(r.stderr)) return t.skip("h5py/numpy unavailable");
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as number[][];
  const sums = Array.from({ length: 100 }, (_, tr) => {
    let hin = 0;
    let hout = 0;
    let bin70 = 0;
    for (let i = tr * 140 * 107; i < (tr + 1) * 140 * 107; i++) hin += b.heldin.data[i]!;
    for (let i = tr * 140 * 35; i < (tr + 1) * 140 * 35; i++) hout += b.heldout.data[i]!;
    for (let n = 0; n < 107; n++) bin70 += b.heldin.data[(tr * 140 + 70) * 107 + n]!;
    return [hin, hout, bin70];
  });
  assert.deepEqual(sums, ref);
});
