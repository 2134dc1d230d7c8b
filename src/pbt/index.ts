/** Population-based training (AutoLFADS): the driver, its search space, fitness, selection and ledger. */
export { pbt } from "./pbt.js";
export type { PbtResult } from "./pbt.js";
export type { PbtOptions, PbtPlan } from "./options.js";
export { planPbt, rampSteps, targetStep } from "./options.js";
export { defaultSearchSpace, resolveSearchSpace, checkSearchSpace, drawInitial, perturb } from "./search-space.js";
export type { SearchDimension, SearchSpace, SearchSpaceOverrides, SearchScale, DataShape } from "./search-space.js";
export { readMemberFitness, smoothCosts, FITNESS_SMOOTHING } from "./fitness.js";
export type { MemberFitness } from "./fitness.js";
export { tournament, truncation, shouldStop, DEFAULT_STOP_RULE } from "./selection.js";
export type { ExploitMethod, Replacement, StopRule } from "./selection.js";
export { PbtError } from "./errors.js";
export { pbtStatus, formatPbtStatus } from "./status.js";
export type { PbtStatus } from "./status.js";
