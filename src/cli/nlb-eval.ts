/** `lfads nlb-eval <submission.h5> <target.h5> [--json]`: score a submission against an NLB eval target. */
import { DataError } from "../core/errors.js";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";

const METRICS = ["co-bps", "vel R2", "psth R2", "fp-bps"] as const;

export const nlbEvalCommand: Command = {
  name: "nlb-eval",
  summary: "score an NLB submission file against an eval-target file (co-bps, vel R2, psth R2, fp-bps)",
  usage: "<submission.h5> <target.h5> [--json]",
  description: [
    "Reads both files in NLB's layout (one group per dataset, e.g. mc_maze_small/) and scores each dataset group",
    "of the target that the submission also has, with the NLB formulas: co-bps (held-out neurons), velocity decoding",
    "R² (ridge, 5-fold cross-validated penalty), PSTH R² and fp-bps (forward bins), each when the files hold what it",
    "needs. --json prints nlb_tools' result form: a list with one object per group, {\"<group>_split\": {metric: value}}.",
    "",
    "Example:",
    "  lfads nlb-eval submission.h5 eval_target.h5 --json",
  ].join("\n"),
  options: [{ name: "json", type: "boolean", help: "print JSON (nlb_tools' key names) instead of a table" }],
  positionals: [2, 2],
  async run(args, io) {
    const [submission, target] = args.positionals;
    if (submission === undefined || target === undefined) throw new UsageError("need <submission.h5> <target.h5>");
    const { readNlbSubmission, readNlbTarget, evaluateNlb } = await import("../nlb/index.js");
    const targets = await readNlbTarget(target);
    const subs = await readNlbSubmission(submission);
    const rows: { name: string; scores: Record<string, number | undefined> }[] = [];
    for (const [name, t] of targets) {
      const r = subs.get(name);
      if (!r) continue;
      rows.push({ name, scores: { ...evaluateNlb(t, r) } });
    }
    if (rows.length === 0) {
      throw new DataError(`${submission} has no dataset group of ${target}: the target has ${[...targets.keys()].join(", ")}, the submission ${[...subs.keys()].join(", ")}; name the submission's groups as the target's`);
    }
    if (args.options.json) {
      io.out(`${JSON.stringify(rows.map((r) => ({ [`${r.name}_split`]: Object.fromEntries(METRICS.filter((m) => r.scores[m] !== undefined).map((m) => [m, r.scores[m]])) })))}\n`);
      return 0;
    }
    const w = Math.max(7, ...rows.map((r) => r.name.length));
    io.out(`${"dataset".padEnd(w)}  ${METRICS.map((m) => m.padStart(8)).join("  ")}\n`);
    for (const r of rows) io.out(`${r.name.padEnd(w)}  ${METRICS.map((m) => (r.scores[m] === undefined ? "—" : r.scores[m]!.toFixed(4)).padStart(8)).join("  ")}\n`);
    return 0;
  },
};
