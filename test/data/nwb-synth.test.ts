/** `lfads synth nlb_maze_like`: the NWB file h5py sees (layout, schema attributes, references) and the dynamics behind it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { synthCommand } from "../../src/cli/synth.js";
import { NLB_MAZE_FILE, generateNlbMaze } from "../../src/data/synth/index.js";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-nwb-synth-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const CHECK = String.raw`
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
out = {}
out["root"] = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items() if k != "object_id"}
out["root_keys"] = sorted(f.keys())
def typed(path):
    o = f[path]
    return [o.attrs["neurodata_type"], o.attrs["namespace"], len(o.attrs["object_id"])]
u = f["units"]
out["units"] = typed("units") + [list(u.attrs["colnames"])]
st, si = u["spike_times"][:], u["spike_times_index"][:]
out["spike_index"] = [str(si.dtype), int(si.shape[0]), int(si[-1]) == st.shape[0]]
rows = np.split(st, si[:-1])
out["sorted"] = all(bool(np.all(np.diff(r) >= 0)) for r in rows)
out["targets"] = [f[u["spike_times_index"].attrs["target"]].name, f[u["obs_intervals_index"].attrs["target"]].name]
out["obs"] = [list(u["obs_intervals"].shape), u["obs_intervals_index"][:3].tolist()]
out["heldout"] = [str(u["heldout"].dtype), int(u["heldout"][:].sum())]
out["ids"] = str(u["id"].dtype)
out["column_types"] = sorted({typed("units/" + c)[0] for c in u.keys()})
t = f["intervals/trials"]
out["trials"] = typed("intervals/trials") + [list(t.attrs["colnames"])]
out["split"] = sorted(set(s.decode() for s in t["split"][:]))
out["split_vlen"] = h5py.check_string_dtype(t["split"].dtype).length is None
mo, start, stop = t["move_onset_time"][:], t["start_time"][:], t["stop_time"][:]
out["window_in_trial"] = bool(np.all(mo - 0.25 >= start) and np.all(mo + 0.65 <= stop))
hv = f["processing/behavior/hand_vel"]
out["behavior"] = typed("processing/behavior") + typed("processing/behavior/hand_vel") + [hv.attrs["comments"], hv["data"].attrs["unit"], list(hv["data"].shape), hv["timestamps"].shape[0]]
# hand still before movement onset, moving 100-300 ms after
ts = hv["timestamps"][:]; v = hv["data"][:]
speed = np.hypot(v[:, 0], v[:, 1])
k = np.searchsorted(ts, mo)
out["speed_pre"] = float(np.mean([speed[i - 200:i - 20].mean() for i in k]))
out["speed_move"] = float(np.mean([speed[i + 100:i + 300].mean() for i in k]))
print(json.dumps(out))
`;

function python(t: { skip(why: string): void }): boolean {
  const probe = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { encoding: "utf8" });
  if (probe.status === 0) return true;
  t.skip(`${PYTHON} -c "import h5py, numpy" failed`);
  return false;
}

test("lfads synth nlb_maze_like writes an NWB file laid out like NLB MC_Maze_Small (read by h5py)", async (t) => {
  let out = "";
  const io = { out: (s: string) => (out += s), err: (s: string) => (out += s) };
  const code = await synthCommand.run!({ options: { out: tmp }, positionals: ["nlb_maze_like"] }, io);
  assert.equal(code, 0);
  assert.deepEqual(fs.readdirSync(tmp), [NLB_MAZE_FILE]);
  assert.match(out, /100 trials, 142 units \(35 held out\)/);
  if (!python(t)) return;
  const r = spawnSync(PYTHON, ["-c", CHECK, path.join(tmp, NLB_MAZE_FILE)], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(got.root, { namespace: "core", neurodata_type: "NWBFile", nwb_version: "2.5.0" });
  assert.deepEqual(got.root_keys, ["acquisition", "analysis", "file_create_date", "general", "identifier", "intervals", "processing", "session_description", "session_start_time", "stimulus", "timestamps_reference_time", "units"]);
  assert.deepEqual(got.units, ["Units", "core", 36, ["spike_times", "obs_intervals", "heldout"]]);
  assert.deepEqual(got.spike_index, ["uint32", 142, true]);
  assert.equal(got.sorted, true);
  assert.deepEqual(got.targets, ["/units/spike_times", "/units/obs_intervals"]);
  assert.deepEqual(got.obs, [[284, 2], [2, 4, 6]]);
  assert.deepEqual(got.heldout, ["int8", 35]);
  assert.equal(got.ids, "int64");
  assert.deepEqual(got.column_types, ["ElementIdentifiers", "VectorData", "VectorIndex"]);
  assert.deepEqual(got.trials, ["TimeIntervals", "core", 36, ["start_time", "stop_time", "split", "target_on_time", "go_cue_time", "move_onset_time", "trial_type", "trial_version"]]);
  assert.deepEqual(got.split, ["train", "val"]);
  assert.equal(got.split_vlen, true);
  assert.equal(got.window_in_trial, true);
  const beh = got.behavior as unknown[];
  assert.deepEqual(beh.slice(0, 6), ["ProcessingModule", "core", 36, "TimeSeries", "core", 36]);
  assert.deepEqual(beh.slice(6, 9), ["columns=[x,y]", "mm/s", [beh[9], 2]]);
  assert.ok((got.speed_pre as number) < 5, `hand speed before movement onset ${got.speed_pre} mm/s`);
  assert.ok((got.speed_move as number) > 150, `hand speed 100–300 ms after movement onset ${got.speed_move} mm/s`);
});

test("nlb_maze_like: one seed gives the same spikes; each reach points along its condition's angle", async () => {
  const a = generateNlbMaze({ seed: 4, nTrials: 8, nUnits: 10, nHeldout: 3 });
  const b = generateNlbMaze({ seed: 4, nTrials: 8, nUnits: 10, nHeldout: 3 });
  assert.deepEqual(a.nwb.units.spikeTimes, b.nwb.units.spikeTimes);
  assert.equal(a.heldout.filter(Boolean).length, 3);
  // reach direction: the mean velocity 100–300 ms after onset points along the trial's angle
  const ts = a.nwb.behavior[0]!;
  a.nwb.trials.columns.find((c) => c.name === "move_onset_time")!.data.values.forEach((mo, i) => {
    const k = Math.round((mo as number) * 1000);
    let vx = 0;
    let vy = 0;
    for (let j = k + 100; j < k + 300; j++) {
      vx += ts.data[2 * j]!;
      vy += ts.data[2 * j + 1]!;
    }
    const err = Math.abs(Math.atan2(Math.sin(Math.atan2(vy, vx) - a.angle[i]!), Math.cos(Math.atan2(vy, vx) - a.angle[i]!)));
    assert.ok(err < 0.35, `trial ${i}: reach angle off by ${err} rad`);
  });
});

test("lfads synth --list names nlb_maze_like; a scale below 4 trials is refused with the fix", async () => {
  let out = "";
  const io = { out: (s: string) => void (out += s), err: () => {} };
  await synthCommand.run!({ options: { list: true }, positionals: [] }, io);
  assert.match(out, /^ {2}nlb_maze_like +75\/25 /m);
  await assert.rejects(async () => synthCommand.run!({ options: { out: path.join(tmp, "x"), scale: 0.01 }, positionals: ["nlb_maze_like"] }, io), /--scale 0\.01: .*scale ≥ 0\.04/);
});
