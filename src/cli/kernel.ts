/** `lfads kernel install|spec`: the Jupyter kernel spec that runs this package's tslab. */
import { DEFAULT_DISPLAY_NAME, DEFAULT_KERNEL_NAME, installKernelSpec, kernelSpec, type InstallTarget } from "../jupyter/install.js";
import type { OptionSpec, ParsedArgs } from "./args.js";
import { UsageError } from "./args.js";
import type { Command } from "./command.js";

const NAME_OPTIONS: OptionSpec[] = [
  { name: "name", type: "string", valueName: "<name>", help: `kernel name (default ${DEFAULT_KERNEL_NAME})` },
  { name: "display-name", type: "string", valueName: "<text>", help: `name in the kernel menu (default "${DEFAULT_DISPLAY_NAME}")` },
];

function target(args: ParsedArgs): InstallTarget {
  const { user, prefix, "sys-prefix": sysPrefix } = args.options;
  const chosen = [user && "--user", prefix !== undefined && "--prefix", sysPrefix && "--sys-prefix"].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`choose one of ${chosen.join(", ")}`);
  if (user) return { user: true };
  if (typeof prefix === "string") return { prefix };
  if (sysPrefix) return { sysPrefix: true };
  return {};
}

const installCommand: Command = {
  name: "install",
  summary: "install the Jupyter kernel spec 'lfads-ts'",
  usage: "[--user | --prefix <dir> | --sys-prefix] [--name <name>] [--display-name <text>]",
  description: [
    "Writes <data dir>/kernels/lfads-ts/kernel.json, which starts this package's own tslab with this node,",
    "so neither a global tslab nor Python is needed. Notebooks in any folder can then import \"lfads-ts\" and",
    "\"lfads-ts/tf\" (a node_modules/lfads-ts above the notebook takes precedence).",
    "Default: --user, or /usr/local/share/jupyter when run as root.",
    "After installing, pick \"TypeScript (lfads-ts)\" in Jupyter, or run notebooks headless with",
    "  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=lfads-ts my.ipynb",
  ].join("\n"),
  options: [
    { name: "user", type: "boolean", help: "install for this user (~/.local/share/jupyter)" },
    { name: "prefix", type: "string", valueName: "<dir>", help: "install into <dir>/share/jupyter/kernels" },
    { name: "sys-prefix", type: "boolean", help: "install into the prefix of the Python that runs 'jupyter' on PATH" },
    ...NAME_OPTIONS,
  ],
  run(args, io) {
    const installed = installKernelSpec({
      target: target(args),
      name: args.options.name as string | undefined,
      displayName: args.options["display-name"] as string | undefined,
    });
    io.out(`Installed kernel spec '${installed.name}' in ${installed.dir}\n`);
    return 0;
  },
};

const specCommand: Command = {
  name: "spec",
  summary: "print the kernel.json that 'install' would write",
  usage: "[--display-name <text>]",
  options: NAME_OPTIONS.slice(1),
  run(args, io) {
    io.out(`${JSON.stringify(kernelSpec({ displayName: args.options["display-name"] as string | undefined }), null, 2)}\n`);
    return 0;
  },
};

export const kernelCommand: Command = {
  name: "kernel",
  summary: "install or show the Jupyter kernel spec for notebooks",
  usage: "<install|spec> [options]",
  subcommands: [installCommand, specCommand],
};
