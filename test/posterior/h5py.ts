/**
 * Build HDF5 fixtures with h5py (Debian's /usr/bin/python3; the first `python3` on PATH may be a pyenv
 * without h5py), so the readers are checked against files written the way TF LFADS and lfads-torch write them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PYTHON = "/usr/bin/python3";

let available: string | undefined | null = null;

/** undefined when h5py works, else the reason it cannot be used (tests then skip with that reason). */
export function h5pyUnavailable(): string | undefined {
  if (available === null) {
    const r = spawnSync(PYTHON, ["-c", "import h5py, numpy"], { encoding: "utf8" });
    available = r.status === 0 ? undefined : `${PYTHON} -c "import h5py, numpy" failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
    if (available) process.stderr.write(`skipping h5py fixture tests: ${available}\n`);
  }
  return available;
}

/** Run a Python snippet (h5py and numpy imported as h5py / np, `D` = the fixture folder). */
export function python(script: string, dir: string): void {
  const r = spawnSync(PYTHON, ["-c", `import sys, h5py, numpy as np\nD = sys.argv[1]\n${script}`, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`fixture script failed (${r.status}): ${r.stderr}`);
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lfads-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
