/**
 * PBT end to end on the local worker pool, with real training (a tiny Lorenz model): the CLI trains a
 * population of 4 for 3 generations; the driver is killed (SIGKILL) mid-generation while its members train,
 * one member is killed mid-training on the rerun, and the same command finishes with a consistent ledger
 * (every generation evaluated, every member at the target step, each copy from the winner of its pair),
 * member folders whose checkpoints really are the winners', the best member sampled and scored, and
 * `lfads status` showing the population.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { readPbtLedger, type PbtLedger } from "../../src/runs/pbt-ledger.js";
import { pbtLedgerPath, pbtMembersDir } from "../../src/runs/layout.js";
import { readRunning } from "../../src/queue/run-files.js";
import { LAUNCHER, lfads, tinySweep, tmpDir } from "../queue/fixture.js";

const tmp = tmpDir("lfads-pbt-local-");
const ARGS = ["--population", "4", "--generations", "3", "--generation-steps", "8", "--burn-in", "8", "--workers", "2", "--no-stop", "--samples", "4"];

function startDriver(rcDir: string): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, [LAUNCHER, "pbt", rcDir, ...ARGS], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on("exit", (code) => resolve({ code, out })));
  return { child, done };
}

async function waitUntil(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const liveMembers = (rcDir: string): string[] =>
  fs.existsSync(pbtMembersDir(rcDir)) ? fs.readdirSync(pbtMembersDir(rcDir)).map((m) => path.join(pbtMembersDir(rcDir), m)).filter((d) => readRunning(d)?.alive && readRunning(d)?.info.childPid !== undefined) : [];

/**
 * Each member's own fit log, as it stands at the end, is its lineage's: in every generation the epochs it
 * trained ran at the learning rate the ledger gave that generation's member of the lineage (the rate is reset
 * from params.json, not restored from the copied checkpoint), unless the divergence watch halved it.
 */
function checkLearningRates(rcDir: string, l: PbtLedger): void {
  for (const final of l.generations.at(-1)!.members) {
    const lines = fs.readFileSync(path.join(pbtMembersDir(rcDir), final.member, "lfadsOutput", "fitlog_diagnostics.csv"), "utf8").trim().split("\n");
    const cols = lines[0]!.split(",");
    const rows = lines.slice(1).map((r) => r.split(","));
    // Walk the lineage back: in generation g this folder's history came from `owner`.
    let owner = final.member;
    let checked = 0;
    for (let g = l.generations.length - 1; g >= 0; g--) {
      const gen = l.generations[g]!;
      const m = gen.members.find((x) => x.member === owner)!;
      const lo = g === 0 ? 0 : l.generations[g - 1]!.targetStep;
      for (const r of rows.filter((x) => Number(x[cols.indexOf("step")]) > lo && Number(x[cols.indexOf("step")]) <= gen.targetStep)) {
        if (r[cols.indexOf("event")]) continue;
        const lr = Number(r[cols.indexOf("learning_rate")]);
        const want = m.hyperparameters["c_learning_rate_init"]!;
        assert.ok(Math.abs(lr / want - 1) < 1e-5, `${final.member}: step ${r[cols.indexOf("step")]} (generation ${g + 1}, lineage ${owner}) trained at ${lr}, ledger ${want}`);
        checked++;
      }
      owner = m.copiedFrom ?? owner;
    }
    assert.ok(checked >= 3, `${final.member}: ${checked} epochs checked`);
  }
}

function checkLedger(l: PbtLedger): void {
  assert.equal(l.generations.length, 3);
  assert.deepEqual(l.generations.map((g) => g.targetStep), [16, 24, 32]);
  for (const g of l.generations) {
    assert.ok(g.applied && g.evaluated, `generation ${g.generation} applied and evaluated`);
    assert.equal(g.members.length, 4);
    for (const m of g.members) {
      assert.equal(m.step, g.targetStep, `${m.member} trained to the target in generation ${g.generation}`);
      assert.ok(m.fitness !== null && Number.isFinite(m.fitness), `${m.member} has a fitness`);
      assert.ok(m.hyperparameters["c_learning_rate_init"]! > 0);
    }
    const copies = g.members.filter((m) => m.copiedFrom !== null);
    if (g.generation === 0) assert.equal(copies.length, 0);
    else {
      // Binary tournament of 4: two pairs, so exactly two copies, each from a member that won (scored lower) last generation.
      const prev = l.generations[g.generation - 1]!;
      assert.equal(copies.length, 2);
      for (const c of copies) {
        const winner = prev.members.find((m) => m.member === c.copiedFrom)!;
        const loser = prev.members.find((m) => m.member === c.member)!;
        assert.ok(winner.fitness! <= loser.fitness!, `${c.member} copied ${c.copiedFrom}, who scored lower`);
        assert.ok(!copies.some((x) => x.member === c.copiedFrom), "a winner is not itself replaced");
        for (const [k, v] of Object.entries(c.hyperparameters)) {
          const ratio = v / winner.hyperparameters[k]!;
          assert.ok(Math.abs(ratio - 1) <= 0.8 + 1e-9 && Math.abs(ratio - 1) >= 0.3 * 0.002 - 1e-12, `${k} explored from the winner's value by a factor ${ratio}`);
        }
      }
    }
  }
  assert.equal(l.stopped?.reason, "max_generations");
  const last = l.generations[2]!;
  const best = last.members.reduce((a, b) => (b.fitness! < a.fitness! ? b : a));
  assert.equal(l.best?.member, best.member);
  assert.ok(l.best?.scores?.[0]?.r2 !== undefined && Number.isFinite(l.best.scores[0].r2), "best member scored against the truth");
}

test("lfads pbt: killed mid-generation (driver, then a member), rerun finishes with a consistent ledger; lfads status shows it", { timeout: 600_000 }, async () => {
  const rc = await tinySweep(path.join(tmp, "a"), [6], "pbt");
  const rcDir = rc.path;
  // 1. Start, and kill the driver once generation 2 trains (its members are left running, as after a lost terminal).
  const first = startDriver(rcDir);
  await waitUntil("generation 2 training", () => {
    const l = fs.existsSync(pbtLedgerPath(rcDir)) ? readPbtLedger(rcDir) : undefined;
    return (l?.generations.length ?? 0) >= 2 && l!.generations[1]!.applied && liveMembers(rcDir).length > 0;
  }, 300_000);
  first.child.kill("SIGKILL");
  await first.done;
  const mid = readPbtLedger(rcDir)!;
  assert.ok(mid.generations[0]!.evaluated && !mid.generations[1]!.evaluated, "killed inside generation 2");
  // 2. Rerun the same command; kill one member's training process once one runs under the new driver.
  const second = startDriver(rcDir);
  let killedMember = false;
  const killer = setInterval(() => {
    if (killedMember) return;
    for (const d of liveMembers(rcDir)) {
      const info = readRunning(d)!.info;
      if (info.pid !== second.child.pid) continue;
      try {
        process.kill(-info.childPid!, "SIGKILL");
        killedMember = true;
      } catch {
        // already gone
      }
      return;
    }
  }, 200);
  const res = await second.done;
  clearInterval(killer);
  assert.ok(killedMember, "a member's training was killed on the rerun");
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /continuing 4 members/);
  assert.match(res.out, /best member member_\d\d: fitness [\d.]+, dataset001 valid R² -?[\d.]+/);
  const ledger = readPbtLedger(rcDir)!;
  checkLedger(ledger);
  checkLearningRates(rcDir, ledger);
  // Members train a generation at a time (lfads.done.train, no lfads.done), except the sampled best member.
  for (const m of ledger.generations.at(-1)!.members) {
    const dir = path.join(pbtMembersDir(rcDir), m.member);
    assert.ok(fs.existsSync(path.join(dir, "lfads.done.train")));
    assert.equal(fs.existsSync(path.join(dir, "lfads.done")), m.member === ledger.best!.member, `${m.member}: lfads.done only for the best`);
  }
  // 3. Rerunning a finished PBT changes nothing.
  const before = fs.readFileSync(pbtLedgerPath(rcDir), "utf8");
  const again = lfads(["pbt", rcDir, ...ARGS]);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(JSON.parse(fs.readFileSync(pbtLedgerPath(rcDir), "utf8")).generations, JSON.parse(before).generations);
  // 4. Status shows the population.
  const st = lfads(["status", rcDir]);
  if (process.env["PBT_TEST_VERBOSE"]) console.log(`${res.out}\n${st.out}`);
  assert.match(st.out, /PBT from param_\w+\/single_dataset001: population 4, generation 3 of at most 3, 8 steps each \(burn-in 8\)/);
  assert.match(st.out, /stopped after generation 3: max generations/);
  assert.match(st.out, /member_00 .*32\/32/);
  const json = JSON.parse(lfads(["status", rcDir, "--json"]).out) as { pbt: { members: unknown[] } };
  assert.equal(json.pbt.members.length, 4);
});

test("lfads pbt: bad input is an error before any training (nothing written)", async () => {
  const rc = await tinySweep(path.join(tmp, "b"), [6], "bad");
  const cases: [string[], RegExp][] = [
    [["--search-space", '{"c_learning_rate_init": {"lo": 0.01, "hi": 0.001}}'], /inverted range lo=0\.01 > hi=0\.001/],
    [["--search-space", '{"c_learning_rate_init": {"lo": 0.01, "hi": 0.01}}'], /empty range lo = hi = 0\.01/],
    [["--search-space", '{"c_kl_co_wieght": {"lo": 0.1, "hi": 1}}'], /unknown hyperparameter 'c_kl_co_wieght'\. Did you mean 'c_kl_co_weight'\?/],
    [["--exploit", "truncation", "--exploit-fraction", "0.2"], /population 4 is smaller than exploitFraction 0\.2 allows/],
    [["--max-steps", "12"], /generation is longer than the step budget: .*8 \+ generationSteps 8 = 16 steps, but maxSteps is 12/],
  ];
  for (const [extra, re] of cases) {
    const r = lfads(["pbt", rc.path, "--population", "4", "--generations", "3", "--generation-steps", "8", "--burn-in", "8", ...extra]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, re);
  }
  assert.ok(!fs.existsSync(path.join(rc.path, "pbt")), "no pbt/ folder was written");
});
