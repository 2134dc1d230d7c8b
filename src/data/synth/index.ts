/**
 * The synthetic datasets of TF LFADS's README (`synth_data/`): chaotic data RNNs with and without input
 * pulses, Gaussian noise, multi-session with alignment matrices, two labelled RNNs with an external
 * input, and integrate-to-bound (with a hand-built integrator; see itb.ts), written as LFADS input HDF5
 * files. Random numbers follow numpy's RandomState stream in the Python scripts' order (numpy-random.ts),
 * so the chaotic and labelled sets match the Python ones up to last-bit floating-point differences.
 */
export { SYNTH_PRESETS, SYNTH_PRESET_NAMES, resolveSynth, splitPattern, synthDatasetName, synthPreset, trainValidIndices } from "./params.js";
export type { ResolvedSynth, SynthKind, SynthNoise, SynthOptions, SynthParams, SynthPreset, SynthPresetName } from "./params.js";
export { gaussifyTrial, generateDataRnn, projectAndNormalise, runDataRnn, spikifyTrial } from "./data-rnn.js";
export type { DataRnn, NormalSource, PoissonSource } from "./data-rnn.js";
export { NumpyRandomState } from "./numpy-random.js";
export { ITB_NETWORK_SEED, buildItbNetwork, itbInputs, runItbNetwork } from "./itb.js";
export type { ItbNetwork } from "./itb.js";
export { alignmentProjections, filtfiltFir } from "./alignment.js";
export type { AlignmentProjection, AlignmentSessionInput } from "./alignment.js";
export { generateSynthDataset } from "./generate.js";
export type { SynthDataset, SynthSession, SynthSplit } from "./generate.js";
export { writeSynthDataset, writeSynthSessionFile } from "./write.js";
export type { SynthFileSummary, SynthWriteOptions } from "./write.js";
export { NLB_MAZE_FILE, generateNlbMaze, writeNlbMazeNwb } from "./nlb-maze.js";
export type { NlbMazeFixture, NlbMazeOptions } from "./nlb-maze.js";
