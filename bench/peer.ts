/** Run the PyTorch peer (bench/peer/lfads_peer.py) and parse its one-line JSON answer. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const PEER_SCRIPT = path.join(__dirname, "peer", "lfads_peer.py");

export interface PeerRunOptions {
  /** extra CLI arguments after `--config C --mode M` */
  args?: string[];
  /** wall-clock limit in ms (default 30 min) */
  timeoutMs?: number;
}

/** Timing answer of `--mode time` / `--mode infer`. */
export interface PeerTiming {
  median_ms: number;
  mean_ms: number;
  min_ms: number;
  steps: number;
  warmup: number;
  threads: number;
  peak_rss_mb: number;
  torch_version: string;
  dtype: string;
  blas: string[];
  trials_per_s?: number;
  last_cost?: number;
  last_grad_norm?: number;
}

/** Cost answer of `--mode cost` (nats per trial, as TF reports them). */
export interface PeerCost {
  recon: number;
  kl: number;
  l2: number;
  total: number;
  kl_weight: number;
  l2_weight: number;
  kl_g0: number;
  kl_co: number;
  step: number;
  dtype: string;
}

export class PeerError extends Error {
  override name = "PeerError";
}

/**
 * Run the peer with `config` written to a temporary JSON file; returns the parsed last stdout line.
 * Throws PeerError with the peer's stderr tail when it fails.
 */
export function runPeer<T>(python: string, mode: "cost" | "time" | "infer", config: object, opts: PeerRunOptions = {}): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-peer-"));
  try {
    const cfgPath = path.join(dir, "config.json");
    fs.writeFileSync(cfgPath, JSON.stringify(config));
    const argv = [PEER_SCRIPT, "--config", cfgPath, "--mode", mode, ...(opts.args ?? [])];
    const r = spawnSync(python, argv, { encoding: "utf8", timeout: opts.timeoutMs ?? 1_800_000, maxBuffer: 16 << 20 });
    if (r.error) throw new PeerError(`peer (${python}) did not run: ${r.error.message}`);
    if (r.status !== 0) {
      const tail = r.stderr.trim().split("\n").slice(-5).join("\n");
      const how = r.signal ? `signal ${r.signal}` : `exit ${String(r.status)}`;
      throw new PeerError(`peer --mode ${mode} failed (${how}): ${tail}`);
    }
    const last = r.stdout.trim().split("\n").pop() ?? "";
    try {
      return JSON.parse(last) as T;
    } catch {
      throw new PeerError(`peer --mode ${mode} printed no JSON: ${JSON.stringify(r.stdout.slice(-300))}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
