/**
 * The divergence watch. Once both KL/L2 ramps are complete, each epoch's validation costs are checked
 * for two signs that training is falling apart (issue #20's failure: valid reconstruction 997 at the
 * best epoch, then 1059, 1008, 1080; later the KL bursting to 63 and collapsing to 1.1 as the
 * initial-condition posterior gave up):
 *
 * - `valid_rise`: the mean validation total cost of the last `validWindow` epochs lies more than
 *   `validRise`·|lowest| above the lowest post-ramp value. One noisy epoch cannot fire it: in healthy
 *   Lorenz fits (the 10-ms fit of test/train/lorenz-fit.test.ts and notebook 01's) one epoch rises up to
 *   3.2% above the lowest, the mean of three at most 1.8%; the divergence is +5.2%.
 * - `kl_jump` / `kl_collapse`: the validation KL is `klFactor` times above, or below, the median of
 *   the previous `klWindow` epochs and differs from it by more than `klFloor` nats. A collapse is
 *   treated as divergence too: a posterior that falls onto its prior (KL 13 → 1.1) carries nothing.
 *
 * After the watch fires, its windows are emptied (the lowest value is kept), so the next verdict needs
 * `validWindow` fresh epochs — of the restored model when the trainer recovered. TF-free; the state is
 * plain JSON, kept in every checkpoint.
 */
import { ParamError } from "../core/errors.js";

export interface DivergenceRule {
  /** Epochs whose mean validation cost is compared with the lowest (k). */
  validWindow: number;
  /** Relative rise δ above the lowest validation cost that counts as divergence. */
  validRise: number;
  /** Previous epochs whose median validation KL the current one is compared with. */
  klWindow: number;
  /** Epochs of KL history needed before the KL rule applies. */
  klMinHistory: number;
  /** Factor (> 1) of a KL jump or collapse. */
  klFactor: number;
  /** Smallest change of the KL (nats per trial) that counts, so that 0.05 → 0.6 is no event. */
  klFloor: number;
}

export const DEFAULT_DIVERGENCE_RULE: Readonly<DivergenceRule> = Object.freeze({ validWindow: 3, validRise: 0.04, klWindow: 5, klMinHistory: 3, klFactor: 10, klFloor: 1 });

export interface DivergenceState {
  /** Lowest post-ramp validation total cost seen. */
  lowest: number;
  /** Post-ramp validation total costs since the last reset, oldest first (at most validWindow). */
  valid: number[];
  /** Post-ramp validation KLs since the last reset, oldest first (at most klWindow + 1). */
  kl: number[];
}

/** One epoch as the watch sees it. */
export interface EpochCostsSeen {
  validTotal: number;
  validKl: number;
  /** Both ramp weights are 1 (before that the costs are not comparable from epoch to epoch). */
  rampsDone: boolean;
}

/** What the trainer did about a verdict (train/recovery.ts). */
export type DivergenceAction = "restored" | "lowered_lr" | "reported";

/** A verdict and what was done, as the log, the progress events and fitlog_diagnostics.csv carry it. */
export interface DivergenceEvent {
  rule: DivergenceVerdict["rule"];
  /** The verdict's text. */
  seen: string;
  /** restored: LVE weights and Adam moments back, learning rate lowered; lowered_lr: no LVE checkpoint yet; reported: recovery is off. */
  action: DivergenceAction;
  epoch: number;
  step: number;
  learningRateBefore: number;
  learningRateAfter: number;
  /** The checkpoint restored (file name) and its step, for action "restored". */
  restoredCheckpoint?: string;
  restoredStep?: number;
  /** One line saying all of the above. */
  message: string;
}

export interface DivergenceVerdict {
  rule: "valid_rise" | "kl_jump" | "kl_collapse";
  /** What was seen, in a sentence fragment, e.g. "valid cost 1049.0 (mean of 3 epochs) is 5.2% above its lowest 997.0". */
  text: string;
}

/** Check a (partial) rule, filling the defaults; errors name the field and the value. */
export function divergenceRule(over: Partial<DivergenceRule> = {}): DivergenceRule {
  const r = { ...DEFAULT_DIVERGENCE_RULE, ...over };
  const need = (ok: boolean, key: keyof DivergenceRule, what: string): void => {
    if (!ok) throw new ParamError(`divergenceRule.${key} must be ${what}; got ${JSON.stringify(r[key])}`);
  };
  need(Number.isInteger(r.validWindow) && r.validWindow >= 1, "validWindow", "an integer >= 1 (epochs)");
  need(r.validRise > 0 && Number.isFinite(r.validRise), "validRise", "a positive fraction such as 0.04");
  need(Number.isInteger(r.klWindow) && r.klWindow >= 1, "klWindow", "an integer >= 1 (epochs)");
  need(Number.isInteger(r.klMinHistory) && r.klMinHistory >= 1 && r.klMinHistory <= r.klWindow, "klMinHistory", `an integer in [1, klWindow = ${r.klWindow}]`);
  need(r.klFactor > 1, "klFactor", "a factor > 1 such as 10");
  need(r.klFloor >= 0 && Number.isFinite(r.klFloor), "klFloor", "a number of nats >= 0");
  return r;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

export class DivergenceWatch {
  readonly rule: DivergenceRule;
  private st: DivergenceState;

  constructor(rule: Partial<DivergenceRule> = {}, state?: DivergenceState) {
    this.rule = divergenceRule(rule);
    this.st = state ? { lowest: state.lowest, valid: [...state.valid], kl: [...state.kl] } : { lowest: Infinity, valid: [], kl: [] };
  }

  /** Record an epoch; a verdict when it shows divergence (then the windows are reset). */
  observe(e: EpochCostsSeen): DivergenceVerdict | undefined {
    if (!e.rampsDone) return undefined;
    const st = this.st;
    const newLowest = e.validTotal < st.lowest;
    if (newLowest) st.lowest = e.validTotal;
    st.valid = [...st.valid, e.validTotal].slice(-this.rule.validWindow);
    const klHistory = st.kl.slice(-this.rule.klWindow);
    st.kl = [...klHistory, e.validKl];
    // An epoch that sets a new lowest validation cost is no rise, whatever the window's mean.
    const verdict = (newLowest ? undefined : this.validRise()) ?? this.klChange(klHistory, e.validKl);
    if (verdict) this.reset();
    return verdict;
  }

  private validRise(): DivergenceVerdict | undefined {
    const { valid, lowest } = this.st;
    const k = this.rule.validWindow;
    if (valid.length < k) return undefined;
    const mean = valid.reduce((a, x) => a + x, 0) / k;
    if (!Number.isFinite(mean)) return { rule: "valid_rise", text: `the validation cost is not finite (${valid.join(", ")} in the last ${k} epochs)` };
    if (mean <= lowest + this.rule.validRise * Math.abs(lowest)) return undefined;
    const pct = (100 * (mean - lowest)) / Math.abs(lowest);
    return { rule: "valid_rise", text: `valid cost ${f1(mean)} (mean of the last ${k} epochs) is ${pct.toFixed(1)}% above its lowest ${f1(lowest)} (limit ${(100 * this.rule.validRise).toFixed(1)}%)` };
  }

  private klChange(history: readonly number[], kl: number): DivergenceVerdict | undefined {
    const { klFactor, klFloor, klMinHistory } = this.rule;
    if (history.length < klMinHistory) return undefined;
    const med = median(history);
    const of = `the median ${f2(med)} of the previous ${history.length} epochs`;
    if (!Number.isFinite(kl)) return { rule: "kl_jump", text: `valid KL is ${kl} (${of})` };
    if (kl > klFactor * med && kl - med > klFloor) return { rule: "kl_jump", text: `valid KL ${f2(kl)} is ${(kl / med).toFixed(0)}× ${of}` };
    if (med > klFactor * kl && med - kl > klFloor) {
      return { rule: "kl_collapse", text: `valid KL ${f2(kl)} collapsed to 1/${(med / Math.max(kl, 1e-12)).toFixed(0)} of ${of} (a posterior fell onto its prior)` };
    }
    return undefined;
  }

  /** Forget the windows (not the lowest cost): the next verdict needs fresh epochs. */
  reset(): void {
    this.st = { lowest: this.st.lowest, valid: [], kl: [] };
  }

  state(): DivergenceState {
    return { lowest: this.st.lowest, valid: [...this.st.valid], kl: [...this.st.kl] };
  }
}
