/** `lfads synth <preset> --out DIR`: write one of the TF LFADS README's synthetic datasets. */
import * as path from "node:path";
import { ParamError, type CliIO } from "../core/errors.js";
import { SYNTH_PRESETS, SYNTH_PRESET_NAMES, resolveSynth, type SynthOptions } from "../data/synth/params.js";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";

/** The NWB fixture preset (not a TF LFADS README dataset): one NWB file laid out like NLB's MC_Maze_Small. */
const NLB_MAZE = "nlb_maze_like";

function presetTable(): string {
  const w = Math.max(NLB_MAZE.length, ...SYNTH_PRESET_NAMES.map((n) => n.length));
  const rows = SYNTH_PRESET_NAMES.map((n) => {
    const p = resolveSynth(n);
    const split = `${p.C * p.trainPerCondition}/${p.C * p.validPerCondition}${p.nSessions > 1 ? ` ×${p.nSessions}` : ""}`;
    return `  ${n.padEnd(w)}  ${split.padEnd(12)}  ${SYNTH_PRESETS[n].description}`;
  });
  rows.push(`  ${NLB_MAZE.padEnd(w)}  ${"75/25".padEnd(12)}  one NWB file like NLB MC_Maze_Small (142 units, 35 held out; hand velocity); --scale multiplies the trials`);
  return rows.join("\n");
}

async function writeNlbMaze(dir: string, seed: number | undefined, scale: number | undefined, io: CliIO): Promise<number> {
  if (scale !== undefined && !(scale > 0 && Math.round(100 * scale) >= 4)) throw new ParamError(`--scale ${scale}: nlb_maze_like needs at least 4 trials (scale ≥ 0.04); pass e.g. --scale 10 for 1,000 trials`);
  const { writeNlbMazeNwb } = await import("../data/synth/nlb-maze.js");
  const t0 = Date.now();
  const { file, fixture } = await writeNlbMazeNwb(dir, { seed: seed ?? 0, nTrials: Math.round(100 * (scale ?? 1)) });
  const units = fixture.nwb.units;
  const heldout = fixture.heldout.filter(Boolean).length;
  io.out(`  ${path.basename(file)}: ${fixture.nwb.trials.ids.length} trials, ${units.ids.length} units (${heldout} held out), ${(fixture.durationMs / 1000).toFixed(1)} s of hand velocity\n`);
  io.out(`1 file in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return 0;
}

export const synthCommand: Command = {
  name: "synth",
  summary: "write a synthetic dataset of the TF LFADS README (chaotic RNN, ITB, labelled, multi-session)",
  usage: "<preset> --out <dir> [--seed <n>] [--scale <f>] [--stem <name>] | --list",
  description: [
    "Writes LFADS input HDF5 files <dir>/<stem>_<dataset name> (no extension), as synth_data/run_generate_synth_data.sh",
    "does, for run_lfads.py --data_dir=<dir> --data_filename_stem=<stem>. Random numbers follow numpy's RandomState",
    "in the Python scripts' order, so a seed gives the Python network, conditions, pulse times and spike trains",
    "(Gaussian noise and the itb_rnn network excepted: itb_rnn uses a hand-built integrator, not the trained TF",
    "checkpoint). --scale shrinks C; the network and the first conditions stay the same.",
    "",
    "Presets (train/valid trials per file, × files):",
    presetTable(),
    "",
    "Example:",
    "  lfads synth chaotic_rnn_inputs_g2p5 --out /tmp/rnn_synth_data_v1.0",
    "  lfads synth chaotic_rnn_multisession --out data --scale 0.1",
    "  lfads synth nlb_maze_like --out data   # an NWB file laid out like NLB MC_Maze_Small",
  ].join("\n"),
  options: [
    { name: "out", type: "string", short: "o", valueName: "<dir>", help: "output folder (created if missing)" },
    { name: "seed", type: "number", valueName: "<n>", help: "random seed (default 5, the Python synth_data_seed)" },
    { name: "scale", type: "number", valueName: "<f>", help: "multiply the number of conditions by f (e.g. 0.05 for a small version)" },
    { name: "stem", type: "string", valueName: "<name>", help: "file-name stem (default: the preset name)" },
    { name: "list", type: "boolean", help: "list the presets and exit" },
  ],
  positionals: [0, 1],
  async run(args, io) {
    if (args.options.list) {
      io.out(`${presetTable()}\n`);
      return 0;
    }
    const preset = args.positionals[0];
    if (preset === undefined) throw new UsageError(`missing <preset> (one of ${[...SYNTH_PRESET_NAMES, NLB_MAZE].join(", ")})`);
    if (typeof args.options.out !== "string") throw new UsageError("--out <dir> is required");
    if (preset === NLB_MAZE) return writeNlbMaze(path.resolve(args.options.out), args.options.seed as number | undefined, args.options.scale as number | undefined, io);
    const opts: SynthOptions = {};
    if (typeof args.options.seed === "number") opts.seed = args.options.seed;
    if (typeof args.options.scale === "number") opts.scale = args.options.scale;
    if (typeof args.options.stem === "string") opts.stem = args.options.stem;
    const p = resolveSynth(preset, opts);
    if (p.C * p.nreplications * p.steps * p.S * p.nSessions > 4e8) throw new ParamError(`--scale ${opts.scale} makes ${p.C} conditions; that is too large to hold in memory`);
    const { writeSynthDataset } = await import("../data/synth/write.js");
    const dir = path.resolve(args.options.out);
    const t0 = Date.now();
    const files = await writeSynthDataset(dir, preset, { ...opts, onProgress: (_d, _t, msg) => msg !== "done" && io.out(`${msg}\n`) });
    for (const f of files) io.out(`  ${path.basename(f.file)}: ${f.numTrainTrials} train / ${f.numValidTrials} valid trials × ${f.numSteps} steps × ${f.numChannels} channels\n`);
    io.out(`${files.length} file(s) in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s); use --data_filename_stem=${p.stem}\n`);
    return 0;
  },
};
