/**
 * The small family of typed errors every lfads-ts module throws. Messages name the offending field,
 * the value seen and what would fix it, so a notebook user can act on the one line they see.
 */
export class LfadsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A hyperparameter or option has an unknown name or an invalid value. */
export class ParamError extends LfadsError {}

/** Array shapes do not agree (trials × channels × time, weights, files). */
export class ShapeError extends LfadsError {}

/** The on-disk tree is missing something, or holds something unexpected. */
export class LayoutError extends LfadsError {}

/** Input data is malformed (NaNs, wrong bin widths, unreadable files). */
export class DataError extends LfadsError {}

/** A feature the original LFADS has, but which this build does not (yet) implement. */
export class NotSupportedError extends LfadsError {}

/** Bad command-line usage; the CLI prints the message and a pointer to `--help`, exit code 2. */
export class UsageError extends LfadsError {}

/** Output channels of a command-line operation (the process's stdout/stderr, or buffers in tests). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const seenWarnings = new Map<string, number>();
let warningSink: (message: string) => void = (m) => process.stderr.write(`lfads warning: ${m}\n`);

/** Emit a warning once per distinct message (repeats are counted, not printed). */
export function warn(message: string): void {
  const n = seenWarnings.get(message) ?? 0;
  seenWarnings.set(message, n + 1);
  if (n === 0) warningSink(message);
}

/** Redirect warnings (tests capture them; notebooks may show them inline). Returns the previous sink. */
export function setWarningSink(sink: (message: string) => void): (message: string) => void {
  const prev = warningSink;
  warningSink = sink;
  seenWarnings.clear();
  return prev;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest candidate to `name`, or undefined when nothing is reasonably close. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** " Did you mean 'x'?" or "" — appended to unknown-name errors. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closestName(name, candidates);
  return c === undefined ? "" : ` Did you mean '${c}'?`;
}
