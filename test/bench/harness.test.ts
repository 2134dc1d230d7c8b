/** Interpreter discovery, peer error reporting and the harness's refusal of bad settings. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findTorchPython, pythonCandidates, describeSearch } from "../../bench/python.js";
import { PeerError, runPeer } from "../../bench/peer.js";

const ROOT = path.resolve(__dirname, "..", "..");

function fakeBin(dir: string, name: string, script: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return p;
}

test("every python3 on PATH is a candidate, in PATH order, then /usr/bin/python3", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-py-"));
  try {
    const a = fakeBin(path.join(dir, "a"), "python3", "exit 1");
    const b = fakeBin(path.join(dir, "b"), "python3", "exit 1");
    fs.mkdirSync(path.join(dir, "empty"));
    const c = pythonCandidates({ PATH: [path.join(dir, "a"), path.join(dir, "empty"), path.join(dir, "b")].join(path.delimiter) });
    assert.deepEqual(c.slice(0, 2), [a, b]);
    if (fs.existsSync("/usr/bin/python3")) assert.equal(c[2], "/usr/bin/python3");
    assert.deepEqual(pythonCandidates({ PATH: path.join(dir, "a"), LFADS_BENCH_PYTHON: "/opt/py/bin/python3" }), ["/opt/py/bin/python3"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an interpreter without torch is passed over, with its error kept as the reason", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-py-"));
  try {
    const bad = fakeBin(dir, "python3", "echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1");
    const s = findTorchPython({ LFADS_BENCH_PYTHON: bad });
    assert.equal(s.found, null);
    assert.match(describeSearch(s), /no python3 imports torch and h5py: .*exit 1: ModuleNotFoundError: No module named 'torch'/);
    const missing = findTorchPython({ LFADS_BENCH_PYTHON: path.join(dir, "nope") });
    assert.match(missing.probes[0]!.reason!, /could not start/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a failing peer raises PeerError with its stderr", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-py-"));
  try {
    const py = fakeBin(dir, "python3", "echo 'lfads_peer: boom' >&2; exit 2");
    assert.throws(() => runPeer(py, "time", {}), (e: unknown) => e instanceof PeerError && /--mode time failed \(exit 2\): lfads_peer: boom/.test(e.message));
    const silent = fakeBin(dir, "python3b", "echo not-json");
    assert.throws(() => runPeer(silent, "cost", {}), (e: unknown) => e instanceof PeerError && /printed no JSON/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function runHarness(env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, LFADS_BENCH_OUT: path.join(os.tmpdir(), `lfads-bench-never-${process.pid}.json`), ...env },
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

test("the harness refuses a bad step count or an unknown case before measuring anything", () => {
  const steps = runHarness({ LFADS_BENCH_STEPS: "0" });
  assert.equal(steps.status, 1);
  assert.match(steps.stderr, /LFADS_BENCH_STEPS must be an integer >= 1, got '0'/);
  const cases = runHarness({ LFADS_BENCH_CASES: "lorenz_seed_noco,nope" });
  assert.equal(cases.status, 1);
  assert.match(cases.stderr, /LFADS_BENCH_CASES: unknown case\(s\) nope \(known: lorenz_seed_noco, lorenz_seed_co, lorenz_seed_noco_cd, chaotic_rnn_inputs\)/);
});
