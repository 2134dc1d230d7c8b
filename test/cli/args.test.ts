import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, UsageError, type OptionSpec } from "../../src/cli/args.js";

const specs: OptionSpec[] = [
  { name: "user", type: "boolean", help: "" },
  { name: "prefix", type: "string", help: "" },
  { name: "epochs", type: "number", short: "n", help: "" },
  { name: "kind", type: "string", choices: ["a", "b"], help: "" },
];

test("forms: --flag=value, --flag value, booleans, --no-flag, short, positionals, --", () => {
  const r = parseArgs(["x", "--prefix=/p", "--epochs", "-3", "--user", "y", "-n", "5", "--no-user", "--", "--kind"], specs);
  assert.deepEqual(r.options, { prefix: "/p", epochs: 5, user: false });
  assert.deepEqual(r.positionals, ["x", "y", "--kind"]);
  assert.deepEqual(parseArgs(["--user=false", "-h"], specs).options, { user: false, help: true });
});

test("errors name the flag and suggest the closest one", () => {
  const err = (argv: string[], re: RegExp) => assert.throws(() => parseArgs(argv, specs), (e: unknown) => e instanceof UsageError && re.test((e as Error).message));
  err(["--prefx", "/p"], /^unknown option '--prefx'; did you mean '--prefix'\?$/);
  err(["--zzzzzz"], /^unknown option '--zzzzzz'$/);
  err(["--prefix"], /--prefix needs a value/);
  err(["--epochs", "many"], /--epochs expects a number, got 'many'/);
  err(["--kind=c"], /--kind must be one of a, b; got 'c'/);
  err(["--user=yes"], /--user expects true or false/);
  err(["-q"], /unknown option '-q'/);
});
