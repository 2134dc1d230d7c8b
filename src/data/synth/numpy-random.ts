/**
 * numpy's legacy `np.random.RandomState(seed)` for the draws the TF LFADS synthetic generators make:
 * `randn`, `randint(n)` / `choice(n)`, `poisson(lam)` and `random_sample`. Same generator (MT19937,
 * seeded like `init_genrand`), same algorithms (53-bit doubles from two 32-bit words, the polar
 * Box–Muller method with its cached second value, masked rejection for bounded integers, Poisson by
 * multiplication of uniforms below λ = 10 and by Hörmann's PTRS at or above), so a seed gives the
 * same stream of numbers as in Python — e.g. `RandomState(5).randn(50, 50)[0, 0] / √50 = 0.0623989…`,
 * the value `generate_chaotic_rnn_data.py` asserts.
 *
 * Why not our own {@link Rng}: the generators use a *fixed* random network per seed (seed 5 in every
 * preset). A random 50-unit network at g = 1.5 settles to a fixed point about a third of the time;
 * the Python seed gives one that stays chaotic, and reproducing its stream gives the same network
 * (and the same initial states, pulse times and spike trains) rather than a statistically similar
 * one that may not be chaotic. Floating-point results still differ in the last bits from numpy's
 * (BLAS summation order, libm), so the outputs are near-identical, not guaranteed bit-identical.
 */
import { ParamError } from "../../core/errors.js";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private mti = N;
  private gauss: number | undefined;

  /** `RandomState(seed)` for an integer seed in [0, 2^32 − 1]. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ParamError(`RandomState: seed must be an integer in [0, 2^32 − 1], got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    const mix = (a: number, b: number, c: number): number => {
      const y = (mt[a]! & UPPER) | (mt[b]! & LOWER);
      return (mt[c]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    };
    for (; kk < N - M; kk++) mt[kk] = mix(kk, kk + 1, kk + M);
    for (; kk < N - 1; kk++) mt[kk] = mix(kk, kk + 1, kk + M - N);
    mt[N - 1] = mix(N - 1, 0, M - 1);
    this.mti = 0;
  }

  /** The next tempered 32-bit output. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random_sample()`: uniform in [0, 1) with 53 bits. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `randn()`: standard normal by the polar method, caching the second value. */
  normal(): number {
    if (this.gauss !== undefined) {
      const g = this.gauss;
      this.gauss = undefined;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  /** `randint(n)` = `choice(n)`: uniform integer in [0, n) by masked rejection (n ≤ 2^32). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new ParamError(`RandomState.randint: n must be an integer in [1, 2^32], got ${n}`);
    const range = n - 1;
    if (range === 0) return 0;
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > range);
    return v;
  }

  /** `poisson(lam)`. */
  poisson(lam: number): number {
    if (lam >= 10) return this.poissonPtrs(lam);
    if (lam === 0) return 0;
    if (!(lam > 0)) throw new ParamError(`RandomState.poisson: lam must be ≥ 0, got ${lam}`);
    const enlam = Math.exp(-lam);
    let x = 0;
    let prod = 1;
    for (;;) {
      prod *= this.randomSample();
      if (prod > enlam) x++;
      else return x;
    }
  }

  /** Hörmann's transformed rejection (PTRS), numpy's method for λ ≥ 10. */
  private poissonPtrs(lam: number): number {
    const slam = Math.sqrt(lam);
    const loglam = Math.log(lam);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.randomSample() - 0.5;
      const V = this.randomSample();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + lam + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - loggam(k + 1)) return k;
    }
  }
}

const LOGGAM_COEF = [
  8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3,
  -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059,
];

/** log Γ(x) by Stirling's series after shifting x up to ≥ 7 (numpy's `random_loggam`). */
function loggam(x: number): number {
  if (x === 1 || x === 2) return 0;
  const n = x < 7 ? Math.trunc(7 - x) : 0;
  let x0 = x + n;
  const x2 = (1 / x0) * (1 / x0);
  let gl0 = LOGGAM_COEF[9]!;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + LOGGAM_COEF[k]!;
  let gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}
