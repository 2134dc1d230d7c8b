/**
 * Exploit and stop (reference §7). Exploit by binary tournament (lfads-torch): shuffle the members, pair
 * the first ⌊n/2⌋ with the last ⌊n/2⌋, the lower cost wins (a tie goes to the second), the loser copies
 * the winner. Or truncation (Ray's PBT): the worst fraction copy members drawn from the best fraction.
 * A cost that is not finite (a failed member) always loses. Stop: the improvement-ratio rule on the
 * population's best cost per generation.
 */
import type { Rng } from "../core/rng.js";

export type ExploitMethod = "tournament" | "truncation";

/** One loser that takes over a winner's checkpoint (and, explored, its hyperparameters). */
export interface Replacement {
  loser: number;
  winner: number;
}

const cost = (x: number): number => (Number.isFinite(x) ? x : Infinity);

/** Fisher–Yates with the given stream. */
export function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Binary tournament (module comment). */
export function tournament(fitness: readonly number[], rng: Rng): Replacement[] {
  const order = shuffled(fitness.length, rng);
  const half = Math.floor(order.length / 2);
  const out: Replacement[] = [];
  for (let i = 0; i < half; i++) {
    const a = order[i]!;
    const b = order[order.length - 1 - i]!;
    const aWins = cost(fitness[a]!) < cost(fitness[b]!);
    out.push(aWins ? { loser: b, winner: a } : { loser: a, winner: b });
  }
  return out.sort((x, y) => x.loser - y.loser);
}

/** Members replaced by truncation: ⌊n·fraction⌋. */
export const truncationCount = (population: number, fraction: number): number => Math.floor(population * fraction);

/** Truncation selection (module comment); ties in cost keep the member order. */
export function truncation(fitness: readonly number[], fraction: number, rng: Rng): Replacement[] {
  const q = truncationCount(fitness.length, fraction);
  const ranked = fitness.map((f, i) => ({ f: cost(f), i })).sort((x, y) => x.f - y.f || x.i - y.i).map((x) => x.i);
  const top = ranked.slice(0, q);
  return ranked.slice(ranked.length - q).map((loser) => ({ loser, winner: top[rng.int(0, q - 1)]! })).sort((x, y) => x.loser - y.loser);
}

export interface StopRule {
  /** Generations compared (default 4). */
  window: number;
  /** Stop when the relative improvement over the window is at most this (default 5e-4). */
  tolerance: number;
}

export const DEFAULT_STOP_RULE: StopRule = { window: 4, tolerance: 5e-4 };

/**
 * The improvement-ratio stopper: with b_g the best (lowest) cost of generation g and the last `window`
 * of them, stop when (b_{g−window+1} − min b)/mean |b| <= tolerance.
 */
export function shouldStop(best: readonly number[], rule: StopRule = DEFAULT_STOP_RULE): boolean {
  if (best.length < rule.window) return false;
  const w = best.slice(-rule.window);
  if (!w.every(Number.isFinite)) return false;
  const meanAbs = w.reduce((a, b) => a + Math.abs(b), 0) / w.length;
  if (meanAbs === 0) return true;
  return (w[0]! - Math.min(...w)) / meanAbs <= rule.tolerance;
}
