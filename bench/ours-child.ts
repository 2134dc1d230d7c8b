/**
 * Child process of bench/run.ts: times one case of "ours" so that peak RSS is per case.
 * Usage: node --import tsx bench/ours-child.ts '<case JSON>' <steps> <warmup>
 * Prints one JSON line: the OursTiming, or {"skipped": reason} when the TS model cannot be loaded.
 */
import type { BenchCase } from "./cases.js";
import { OursUnavailable, timeTrainingStep } from "./ours.js";

async function main(): Promise<void> {
  const [caseJson, stepsArg, warmupArg] = process.argv.slice(2);
  if (!caseJson || !stepsArg || !warmupArg) throw new Error("usage: ours-child.ts '<case JSON>' <steps> <warmup>");
  const c = JSON.parse(caseJson) as BenchCase;
  try {
    const r = await timeTrainingStep(c, { steps: Number(stepsArg), warmup: Number(warmupArg) });
    console.log(JSON.stringify(r));
  } catch (err) {
    if (!(err instanceof OursUnavailable)) throw err;
    console.log(JSON.stringify({ skipped: err.message }));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
