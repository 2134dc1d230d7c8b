import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DataError, LayoutError } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { readDatasetFile, readDatasetFileInfo, reverseDims, sniffFile } from "../../src/data/read-dataset-file.js";

const PY = "/usr/bin/python3";
const hasH5py = spawnSync(PY, ["-c", "import h5py"]).status === 0;
const NO_H5PY = `${PY} -c "import h5py" failed, so the MATLAB v7.3 / h5py files cannot be made`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-read-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes MATLAB v7.3-style files the way MATLAB does: 512-byte userblock, transposed data, MATLAB_class attributes. */
const MAKE_FILES = String.raw`
import sys, numpy as np, h5py
out = sys.argv[1]
def header(path):
    hdr = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Wed Jan 31 00:00:00 2018 HDF5 schema 1.00 .'
    hdr = hdr.ljust(116, b' ') + b'\x00' * 8 + b'\x00\x02' + b'IM'
    with open(path, 'r+b') as fh:
        fh.write(hdr.ljust(512, b'\x00'))
def num(f, name, arr, cls='double'):
    a = np.asarray(arr)
    if a.ndim == 1:
        a = a.reshape(-1, 1)  # MATLAB column vector N x 1
    d = f.create_dataset(name, data=a.T)  # HDF5 sees MATLAB's dims reversed
    d.attrs.create('MATLAB_class', np.bytes_(cls))
def char(group, name, s):
    d = group.create_dataset(name, data=np.array([[ord(c) for c in s]], dtype=np.uint16).T)
    d.attrs.create('MATLAB_class', np.bytes_('char'))
    d.attrs.create('MATLAB_int_decode', np.int32(2))
    return d
spikes = (np.arange(3 * 2 * 5).reshape(3, 2, 5) % 3).astype(float)  # MATLAB shape nTrials x nCh x nTime
p = out + '/dataset001.mat'
with h5py.File(p, 'w', userblock_size=512) as f:
    num(f, 'spikes', spikes)
    num(f, 'true_rates', spikes + 0.5)
    num(f, 'timeMs', np.arange(5.0))
    num(f, 'conditionId', np.array([1.0, 2.0, 1.0]))
    char(f, 'subject', 'lorenz_example')
    num(f, 'datetime', np.array([[737091.0]]))
    e = f.create_dataset('externalInputs', data=np.array([0, 0], dtype=np.uint64))
    e.attrs.create('MATLAB_class', np.bytes_('double'))
    e.attrs.create('MATLAB_empty', np.uint8(1))
header(p)
p = out + '/cells.mat'
with h5py.File(p, 'w', userblock_size=512) as f:
    num(f, 'spikes', spikes[:, :1, :])
    refs = f.create_group('#refs#')
    rr = [char(refs, chr(97 + i), s).ref for i, s in enumerate(['left', 'right', 'left'])]
    c = f.create_dataset('conditionId', data=np.array([rr], dtype=h5py.ref_dtype))
    c.attrs.create('MATLAB_class', np.bytes_('cell'))
header(p)
with h5py.File(out + '/generic.h5', 'w') as f:
    f['counts'] = spikes.astype(np.int64)
    f['timeVecMs'] = np.arange(5.0) * 2
    f['truth'] = spikes * 0.25
    f['externalInputs'] = np.ones((3, 1, 5))
    f['conditionId'] = np.array(['a', 'b', 'a'], dtype=h5py.string_dtype())
    f['subject'] = 'monkeyJ'
    f['datetime'] = '2019-05-06'
with h5py.File(out + '/nlb_like.h5', 'w') as f:
    f['counts'] = spikes.astype(np.int64)
    f['timeVecMs'] = np.arange(5.0) * 2
    held = np.concatenate([spikes, spikes[:, :1, :] + 1], axis=1)  # one held-out neuron
    f['reconCounts'] = np.concatenate([held, held[:, :, :2]], axis=2).astype(np.int64)  # two forward bins
    f['behaviour'] = np.stack([np.arange(15.0).reshape(3, 5), -np.arange(15.0).reshape(3, 5)], axis=1)
    f['behaviour'][0, 0, 4] = np.nan
`;

function expectedSpikes(): number[] {
  // Row-major [trial][channel][time] of (arange(30) % 3).
  return Array.from({ length: 30 }, (_, i) => i % 3);
}

let made = false;
function makeFiles(): void {
  if (made) return;
  const r = spawnSync(PY, ["-c", MAKE_FILES, tmp], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  made = true;
}

test("reverseDims: 2-D, 3-D and 4-D transposes", () => {
  assert.deepEqual([...reverseDims(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3])], [1, 4, 2, 5, 3, 6]);
  // shape [2,1,3] → [3,1,2]
  assert.deepEqual([...reverseDims(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 1, 3])], [1, 4, 2, 5, 3, 6]);
  const a = Float64Array.from({ length: 24 }, (_, i) => i);
  const b = reverseDims(a, [2, 3, 2, 2]);
  // element (i,j,k,l) of [2,3,2,2] lands at (l,k,j,i) of [2,2,3,2]
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 2; k++)
        for (let l = 0; l < 2; l++) assert.equal(b[((l * 2 + k) * 3 + j) * 2 + i], a[((i * 3 + j) * 2 + k) * 2 + l]);
});

test("MATLAB v7.3 .mat: dims reversed back to MATLAB shape, char → string, datenum → date, empty ignored", { skip: hasH5py ? false : NO_H5PY }, async () => {
  makeFiles();
  const file = path.join(tmp, "dataset001.mat");
  assert.equal(sniffFile(file), "matlab-v73");
  const d = await readDatasetFile(file, "dataset001");
  assert.deepEqual([...d.counts.shape], [3, 2, 5]);
  assert.deepEqual([...d.counts.data], expectedSpikes());
  assert.deepEqual([...d.truth!.data], expectedSpikes().map((v) => v + 0.5));
  assert.deepEqual([...(d.timeVecMs as Float64Array)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...(d.conditionId as Float64Array)], [1, 2, 1]);
  assert.equal(d.subject, "lorenz_example");
  assert.equal(String(d.datetime).slice(0, 10), "2018-01-31");
  assert.equal(d.externalInputs, undefined);

  // Through a Dataset, as the Lorenz starter package reads it.
  const dc = new DatasetCollection(tmp, "lorenz_example");
  const ds = new Dataset(dc, "dataset001.mat");
  const info = await ds.loadInfo();
  assert.equal(info.nTrials, 3);
  assert.equal(info.nChannels, 2);
  assert.equal(info.subject, "lorenz_example");
  assert.equal(ds.datestr, "2018-01-31");
  assert.equal(ds.loadedData, undefined, "info comes from shapes and small fields, not the arrays");
  const quick = await readDatasetFileInfo(file, "dataset001");
  assert.deepEqual({ ...quick, datetime: quick.datetime?.slice(0, 10) }, { nTrials: 3, nChannels: 2, subject: "lorenz_example", datetime: "2018-01-31", saveTags: [] });
  assert.equal((await ds.loadData()).binWidthMs, 1);
});

test("MATLAB v7.3 cellstr conditionId becomes strings", { skip: hasH5py ? false : NO_H5PY }, async () => {
  makeFiles();
  const d = await readDatasetFile(path.join(tmp, "cells.mat"), "cells");
  assert.deepEqual(d.conditionId, ["left", "right", "left"]);
  assert.deepEqual([...d.counts.shape], [3, 1, 5]);
});

test(".h5 from h5py: taken as h5py sees it, generic field names, vlen strings", { skip: hasH5py ? false : NO_H5PY }, async () => {
  makeFiles();
  const file = path.join(tmp, "generic.h5");
  assert.equal(sniffFile(file), "hdf5");
  const dc = new DatasetCollection(tmp);
  const ds = new Dataset(dc, "generic.h5");
  const d = await ds.loadData();
  assert.deepEqual([...d.counts.shape], [3, 2, 5]);
  assert.deepEqual([...d.counts.data], expectedSpikes());
  assert.equal(d.binWidthMs, 2);
  assert.deepEqual(d.conditionId, ["a", "b", "a"]);
  assert.deepEqual([...d.externalInputs!.shape], [3, 1, 5]);
  assert.equal(d.truth!.data[1], 0.25);
  assert.equal(ds.subject, "monkeyJ");
  assert.equal(ds.datestr, "2019-05-06");
  const quick = await readDatasetFileInfo(file, "generic");
  assert.deepEqual(quick, { nTrials: 3, nChannels: 2, subject: "monkeyJ", datetime: "2019-05-06", saveTags: [] });
});

test(".h5 with reconCounts (held-out neurons, forward bins) and behaviour: read and checked by the Dataset", { skip: hasH5py ? false : NO_H5PY }, async () => {
  makeFiles();
  const d = await new Dataset(new DatasetCollection(tmp), "nlb_like.h5").loadData();
  assert.deepEqual([...d.reconCounts!.shape], [3, 3, 7]);
  // trial 0, held-out neuron (channel 2) = channel 0 + 1, and its forward bins repeat the first two bins.
  const r = (e: number, c: number, t: number) => d.reconCounts!.data[(e * 3 + c) * 7 + t];
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((t) => r(0, 2, t)), [1, 2, 3, 1, 2, 1, 2]);
  assert.deepEqual([...d.behavior!.shape], [3, 2, 5]);
  assert.ok(Number.isNaN(d.behavior!.data[4]!));
  assert.equal(d.behavior!.data[(1 * 2 + 1) * 5 + 2], -7);
});

test("MATLAB v5/v7 MAT-files get a DataError saying how to re-save as v7.3", async () => {
  const file = path.join(tmp, "old.mat");
  const header = Buffer.alloc(128, 0x20);
  header.write("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Wed Jan 31 2018", 0, "latin1");
  fs.writeFileSync(file, Buffer.concat([header, Buffer.alloc(64)]));
  assert.equal(sniffFile(file), "matlab-v5");
  await assert.rejects(readDatasetFile(file, "old"), (e: Error) => e instanceof DataError && /Dataset old/.test(e.message) && /v5\/v7 MAT-file/.test(e.message) && /'-v7\.3'/.test(e.message));
  const dc = new DatasetCollection(tmp, "old");
  await assert.rejects(new Dataset(dc, "old.mat").loadInfo(), (e: Error) => e instanceof DataError && /re-save it from MATLAB as v7\.3/.test(e.message));
});

test("missing and non-HDF5 files: LayoutError / DataError naming the dataset and file", async () => {
  await assert.rejects(readDatasetFile(path.join(tmp, "nope.h5"), "nope"), (e: Error) => e instanceof LayoutError && /Dataset nope/.test(e.message) && /nope\.h5/.test(e.message) && /relPath/.test(e.message));
  const txt = path.join(tmp, "notes.h5");
  fs.writeFileSync(txt, "just text");
  await assert.rejects(readDatasetFile(txt, "notes"), (e: Error) => e instanceof DataError && /notes\.h5 is neither HDF5/.test(e.message));
});
