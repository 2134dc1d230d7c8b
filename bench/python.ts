/**
 * Find the Python interpreter that can run the PyTorch peer (it needs `torch` and `h5py`).
 *
 * On the project's machines the first `python3` on PATH is a pyenv without torch; Debian's `python3-torch`
 * lives under /usr/bin/python3. So every `python3` on PATH is probed in order (what `type -ap python3` lists),
 * then /usr/bin/python3 if PATH did not contain it. `LFADS_BENCH_PYTHON` names one interpreter to use instead.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface TorchPython {
  /** interpreter path, as found */
  python: string;
  torchVersion: string;
  h5pyVersion: string;
}

export interface PythonProbe {
  python: string;
  /** why this interpreter was not taken; absent for the one taken */
  reason?: string;
}

export interface PythonSearch {
  /** the interpreter to use, or null when none imports torch and h5py */
  found: TorchPython | null;
  /** every candidate probed, in order */
  probes: PythonProbe[];
}

const PROBE = "import json, torch, h5py; print(json.dumps([torch.__version__, h5py.__version__]))";

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Candidate interpreters in probe order: `$LFADS_BENCH_PYTHON` alone if set, else every python3 on PATH, then /usr/bin/python3. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const forced = env.LFADS_BENCH_PYTHON;
  if (forced) return [forced];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string): void => {
    if (!isExecutableFile(p)) return;
    let real = p;
    try {
      real = fs.realpathSync(p);
    } catch {
      // keep the path itself as the identity
    }
    // pyenv shims are scripts that dispatch by name, so they are kept apart from the binary they may resolve to
    const key = p.includes(`${path.sep}shims${path.sep}`) ? p : real;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir) add(path.join(dir, "python3"));
  }
  add("/usr/bin/python3");
  return out;
}

/** Probe the candidates in order and return the first that imports torch and h5py. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): PythonSearch {
  const probes: PythonProbe[] = [];
  for (const python of pythonCandidates(env)) {
    const r = spawnSync(python, ["-c", PROBE], { encoding: "utf8", timeout: 120_000 });
    if (r.error) {
      probes.push({ python, reason: `could not start: ${r.error.message}` });
      continue;
    }
    if (r.status !== 0) {
      const last = r.stderr.trim().split("\n").pop() ?? "";
      probes.push({ python, reason: `exit ${String(r.status)}: ${last}` });
      continue;
    }
    try {
      const [torchVersion, h5pyVersion] = JSON.parse(r.stdout.trim()) as [string, string];
      probes.push({ python });
      return { found: { python, torchVersion, h5pyVersion }, probes };
    } catch {
      probes.push({ python, reason: `unexpected probe output ${JSON.stringify(r.stdout.slice(0, 200))}` });
    }
  }
  return { found: null, probes };
}

/** One line saying why no interpreter was found (for skip messages). */
export function describeSearch(s: PythonSearch): string {
  if (s.found) return `${s.found.python} (torch ${s.found.torchVersion}, h5py ${s.found.h5pyVersion})`;
  if (s.probes.length === 0) return "no python3 on PATH and no /usr/bin/python3";
  return `no python3 imports torch and h5py: ${s.probes.map((p) => `${p.python}: ${p.reason ?? "?"}`).join("; ")}`;
}
