/** Jupyter kernel spec installation for lfads-ts. */
export {
  installKernelSpec,
  kernelSpec,
  kernelsDir,
  userDataDir,
  findTslab,
  kernelMain,
  DEFAULT_KERNEL_NAME,
  DEFAULT_DISPLAY_NAME,
  type KernelJson,
  type KernelSpecOptions,
  type InstallTarget,
  type InstalledKernel,
} from "./install.js";
export { packageRoot, ensureSelfLink } from "../core/package-root.js";
