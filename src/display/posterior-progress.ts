/**
 * The progress display of posterior sampling: a header line, a note per kept or re-made file, and a
 * progress bar per file written (HTML in Jupyter, a redrawn line on a terminal, a line every 10 s in a
 * log). `samplePosterior` of `lfads-ts/tf` shows it unless given `onProgress` or `quiet`.
 */
import * as path from "node:path";
import type { PosteriorReporter } from "../posterior/sample-progress.js";
import { progress } from "./progress.js";
import { show } from "./show.js";

export function posteriorProgressDisplay(): PosteriorReporter {
  return {
    start(s) {
      const samples = s.kinds.includes("posterior_sample_and_average") ? `, ${s.numSamples} samples per trial` : "";
      show(`lfads posterior: ${s.kinds.join(" + ")} from ${path.basename(s.checkpoint)} (step ${s.step})${samples}, ${s.batchTrials} rows per pass, ${s.backend.description}`);
    },
    skipped(f) {
      show(`  ${path.basename(f.file)} exists; skipped (overwrite: true re-makes it)`);
    },
    file(f, replaced) {
      if (replaced) show(`  ${path.basename(f.file)} exists but ${replaced}; re-making it`);
      const bar = progress({ total: f.trialsTotal, label: `${f.kind === "posterior_push_mean" ? "push-mean" : "sample+average"} ${f.datasetName} ${f.split}` });
      return {
        update: (done, trialsPerSecond) => bar.update(done, { "trials/s": trialsPerSecond }),
        done: (trialsPerSecond) => bar.finish({ done: f.trialsTotal, info: { "trials/s": trialsPerSecond }, message: `→ ${path.basename(f.file)}` }),
        aborted: () => bar.finish({ message: "aborted; this file was not written" }),
      };
    },
  };
}
