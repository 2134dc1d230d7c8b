// Spawns the real launcher (bin/lfads.js → dist/cli.js; `npm test` builds first), plus in-process calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, registerCommand, type CliIO } from "../../src/cli.js";
import { commands } from "../../src/cli/commands.js";

const root = join(__dirname, "..", "..");
const SEED = '{"name":"first_attempt","c_co_dim":0,"c_batch_size":150,"c_factors_dim":8,"c_gen_dim":64,"c_ic_enc_dim":64,"c_learning_rate_stop":0.001}';

function lfads(args: string[], input?: string): { code: number | null; out: string; err: string } {
  assert.ok(existsSync(join(root, "dist", "cli.js")), "dist/cli.js missing: run 'npm run build'");
  const r = spawnSync(process.execPath, [join(root, "bin", "lfads.js"), ...args], { encoding: "utf8", input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}

test("lfads hash prints the documented hashes; stdin with '-'", () => {
  assert.deepEqual(lfads(["hash", SEED]), { code: 0, out: "param_YOs74u data_4MaTKO\n", err: "" });
  assert.equal(lfads(["hash", "-"], SEED).out, "param_YOs74u data_4MaTKO\n");
});

test("bad input: exit 1 with one line, no stack", () => {
  const r = lfads(["hash", '{"c_co_dm":0}']);
  assert.equal(r.code, 1);
  assert.equal(r.err, "lfads hash: RunParams: unknown property 'c_co_dm'. Did you mean 'c_co_dim'?\n");
  assert.equal(r.out, "");
});

test("bad usage: exit 2 with one line naming the closest flag", () => {
  const r = lfads(["hash", "--shw"]);
  assert.equal(r.code, 2);
  assert.equal(r.err, "lfads hash: unknown option '--shw'; did you mean '--show'? (see 'lfads hash --help')\n");
});

test("lfads kernel install --prefix writes the spec", () => {
  const tmp = mkdtempSync(join(tmpdir(), "lfads-cli-"));
  try {
    const r = lfads(["kernel", "install", "--prefix", tmp]);
    assert.equal(r.code, 0, r.err);
    const dir = join(tmp, "share", "jupyter", "kernels", "lfads-ts");
    assert.equal(r.out, `Installed kernel spec 'lfads-ts' in ${dir}\n`);
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { argv: string[]; display_name: string };
    assert.equal(spec.display_name, "TypeScript (lfads-ts)");
    assert.match(spec.argv[1]!, /[\\/]dist[\\/]jupyter[\\/]kernel-main\.js$/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("help: top level lists the commands; every command has --help", async () => {
  const top = lfads(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.out, /^Usage: lfads <command> \[options\]$/m);
  assert.match(top.out, /^ {2}hash +print the param_\/data_ hashes/m);
  assert.match(top.out, /^ {2}kernel +install or show/m);
  for (const argv of [["hash", "--help"], ["kernel", "--help"], ["kernel", "install", "-h"], ["kernel", "spec", "--help"], ["help", "hash"]]) {
    const r = await inProcess(argv);
    assert.equal(r.code, 0, argv.join(" "));
    assert.match(r.out, /^Usage: lfads /, argv.join(" "));
    assert.match(r.out, /-h, --help/, argv.join(" "));
  }
  assert.match((await inProcess(["--version"])).out, /^\d+\.\d+\.\d+\n$/);
});

test("usage errors in-process: unknown command, missing subcommand, extra argument, conflicting flags", async () => {
  const cases: [string[], string][] = [
    [["hsh"], `lfads: unknown command 'hsh'; did you mean 'hash'? (known: ${commands().map((c) => c.name).join(", ")}) (see 'lfads --help')\n`],
    [["kernel"], "lfads kernel: missing subcommand (install, spec) (see 'lfads kernel --help')\n"],
    [["kernel", "instal"], "lfads kernel: unknown kernel subcommand 'instal'; did you mean 'install'? (known: install, spec) (see 'lfads kernel --help')\n"],
    [["hash", "{}", "{}"], "lfads hash: unexpected argument '{}' (see 'lfads hash --help')\n"],
    [["kernel", "install", "--user", "--prefix=/x"], "lfads kernel install: choose one of --user, --prefix (see 'lfads kernel install --help')\n"],
  ];
  for (const [argv, err] of cases) assert.deepEqual(await inProcess(argv), { code: 2, out: "", err }, argv.join(" "));
});

test("registerCommand adds a command to dispatch and help", async () => {
  registerCommand({
    name: "echo",
    summary: "print the arguments",
    usage: "[--times <n>] <words...>",
    options: [{ name: "times", type: "number", help: "repeat count" }],
    positionals: [1, Infinity],
    run: (a, io) => {
      for (let i = 0; i < ((a.options.times as number | undefined) ?? 1); i++) io.out(`${a.positionals.join(" ")}\n`);
      return 0;
    },
  });
  assert.deepEqual(await inProcess(["echo", "--times=2", "a", "b"]), { code: 0, out: "a b\na b\n", err: "" });
  assert.match((await inProcess(["--help"])).out, /^ {2}echo +print the arguments$/m);
  const thrown = await inProcess(["echo"]);
  assert.equal(thrown.code, 2);
});

test("a checkout that was never built: the launcher says to run npm run build (exit 1), not a stack trace", () => {
  // The launcher alone in a package folder without dist/.
  const pkg = mkdtempSync(join(tmpdir(), "lfads-nodist-"));
  try {
    mkdirSync(join(pkg, "bin"));
    copyFileSync(join(root, "bin", "lfads.js"), join(pkg, "bin", "lfads.js"));
    const r = spawnSync(process.execPath, [join(pkg, "bin", "lfads.js"), "--help"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lfads: the compiled CLI .*dist[/\\]cli\.js is missing; run npm run build in /);
    assert.doesNotMatch(r.stderr, /MODULE_NOT_FOUND|at Module/);
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
});

test("a reader that closes the pipe early ends the output quietly (exit 0, no stack trace), as `lfads --help | head -1`", () => {
  // stdout is a pipe whose read end the shell's `true` closes at once: every write of the launcher meets EPIPE.
  const r = spawnSync("bash", ["-c", `"${process.execPath}" "${join(root, "bin", "lfads.js")}" --help | true; echo "status=\${PIPESTATUS[0]}"`], { encoding: "utf8" });
  assert.match(r.stdout, /status=0/);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
});
