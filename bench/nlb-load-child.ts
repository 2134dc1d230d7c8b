/**
 * Child process of bench/nlb.ts: reads and bins one NWB file (NLB's MC_Maze setting, 5 ms) so that its
 * peak RSS is its own. Usage: node --import tsx bench/nlb-load-child.ts <file.nwb>
 * Prints one JSON line: { read_s, bin_s, rss_start_mb, rss_h5wasm_mb, peak_rss_mb, trials, spikes }. h5wasm's
 * WebAssembly memory is reserved when the first file is opened (about 600 MB of RSS on Node 20): rss_h5wasm_mb is
 * the process after opening the file once, before reading it, so peak − rss_h5wasm is what reading and binning add.
 */
import { binNwbTrials, readNwb } from "../src/data/nwb/index.js";
import { readH5 } from "../src/io/h5.js";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: nlb-load-child.ts <file.nwb>");
  const rssStart = process.memoryUsage().rss;
  await readH5(file, () => undefined);
  const rssH5 = process.memoryUsage().rss;
  const t0 = performance.now();
  const content = await readNwb(file);
  const t1 = performance.now();
  const trials = binNwbTrials(content);
  const t2 = performance.now();
  const spikes = content.units.spikeTimes.reduce((n, s) => n + s.length, 0);
  console.log(JSON.stringify({
    read_s: (t1 - t0) / 1000,
    bin_s: (t2 - t1) / 1000,
    rss_start_mb: rssStart / 2 ** 20,
    rss_h5wasm_mb: rssH5 / 2 ** 20,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    trials: trials.heldin.shape[0],
    spikes,
  }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
