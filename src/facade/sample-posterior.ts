/**
 * `samplePosterior` as `lfads-ts/tf` exports it: posterior/sample.ts with the default progress display
 * (display/posterior-progress.ts) when the caller passes no `onProgress`, `reporter` or `quiet`. The
 * posterior stage itself shows nothing, so it needs nothing of display/. Loads TensorFlow.js: only
 * src/tf.ts and the CLI import this file, never the TF-free `lfads-ts` entry.
 */
import { posteriorProgressDisplay } from "../display/posterior-progress.js";
import { samplePosterior as sampleWithReporter, type SamplePosteriorOptions, type SamplePosteriorResult, type SampleTarget } from "../posterior/sample.js";

/**
 * Sample the posterior of a trained run and write TF LFADS posterior-mean files for every dataset and
 * split (options and files: src/posterior/sample.ts). Shows a progress bar per file unless given
 * `onProgress`, `reporter` or `quiet`.
 */
export function samplePosterior(target: SampleTarget, options: SamplePosteriorOptions = {}): Promise<SamplePosteriorResult> {
  const reporter = options.reporter ?? (options.onProgress || options.quiet ? undefined : posteriorProgressDisplay());
  return sampleWithReporter(target, reporter ? { ...options, reporter } : options);
}
