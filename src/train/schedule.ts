/** KL/L2 ramps and the learning-rate decay rule of TF LFADS (lfads.py, train_model). */

/**
 * Linear ramp from 0 at `start` to 1 at `start + increase` (TF: min(max(step − start, 0)/increase, 1);
 * the weight of step s is used in the cost of step s, so it is 0 at step 0). increase = 0 jumps to 1.
 */
export function rampWeight(step: number, start: number, increase: number): number {
  const d = Math.max(step - start, 0);
  if (increase <= 0) return step >= start ? 1 : 0;
  return Math.min(d / increase, 1);
}

export interface LrScheduleState {
  learningRate: number;
  /** Epoch training costs, with +Infinity after each decay. */
  history: number[];
}

/**
 * After each epoch with training total cost c: if more than n costs are recorded and c exceeds the
 * largest of the last n, lr ← lr·factor and +∞ is recorded (so n more epochs pass before the next
 * decay); otherwise c is recorded. Training stops once lr < learning_rate_stop.
 */
export class LearningRateSchedule {
  learningRate: number;
  history: number[] = [];

  constructor(readonly init: number, readonly decayFactor: number, readonly nToCompare: number, readonly stopBelow: number) {
    this.learningRate = init;
  }

  /** Record an epoch's training cost; returns true if the learning rate was decayed. */
  afterEpoch(trainCost: number): boolean {
    const n = this.nToCompare;
    if (this.history.length > n && trainCost > Math.max(...this.history.slice(-n))) {
      this.learningRate *= this.decayFactor;
      this.history.push(Infinity);
      return true;
    }
    this.history.push(trainCost);
    return false;
  }

  shouldStop(): boolean {
    return this.learningRate < this.stopBelow;
  }

  state(): LrScheduleState {
    return { learningRate: this.learningRate, history: [...this.history] };
  }

  restore(s: LrScheduleState): void {
    this.learningRate = s.learningRate;
    this.history = [...s.history];
  }
}
