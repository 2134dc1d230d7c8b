// The kernel's per-socket send queue on real zeromq sockets (tslab's own zeromq), over loopback TCP.
// Each test queues the sends of a subclass's prototype, so zeromq's own Socket stays as it is here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../src/core/package-root.js";
import { keepAllPublished, queueSends } from "../../src/jupyter/send-queue.js";

type Zmq = typeof import("zeromq");
const req = createRequire(join(packageRoot(), "package.json"));
const zmq = createRequire(req.resolve("tslab/package.json"))("zeromq") as Zmq;

/** A bound Pull and a Push of class `PushClass` connected to it. */
async function pair(PushClass: typeof zmq.Push): Promise<{ push: InstanceType<typeof zmq.Push>; pull: InstanceType<typeof zmq.Pull> }> {
  const pull = new zmq.Pull();
  await pull.bind("tcp://127.0.0.1:*");
  const push = new PushClass();
  push.connect(pull.lastEndpoint!);
  return { push, pull };
}

async function receiveAll(pull: InstanceType<typeof zmq.Pull>, n: number): Promise<string[]> {
  const got: string[] = [];
  while (got.length < n) {
    const [msg] = await pull.receive();
    got.push(msg!.toString());
  }
  return got;
}

const N = 3000;

test("zeromq as tslab uses it: back-to-back sends without awaiting throw EBUSY after the first few hundred", async () => {
  const { push, pull } = await pair(class extends zmq.Push {});
  const issued: Promise<void>[] = [];
  let error: (Error & { code?: string }) | undefined;
  try {
    while (issued.length < N) issued.push(push.send(`m${issued.length}`));
  } catch (e) {
    error = e as Error & { code?: string };
  }
  const sent = issued.length;
  assert.equal(error?.code, "EBUSY", `expected EBUSY, got ${String(error)}`);
  assert.match(error.message, /busy writing/);
  assert.ok(sent >= 500 && sent < N, `${sent} sends before EBUSY`);
  // The sends it took all go out (the last one a loop turn later); the rest are lost.
  await Promise.all(issued);
  assert.deepEqual(await receiveAll(pull, sent), Array.from({ length: sent }, (_, i) => `m${i}`));
  push.close();
  pull.close();
});

test("queued sends: none throws, every message arrives in order, each promise settles when its message went out", async () => {
  class QueuedPush extends zmq.Push {}
  assert.equal(queueSends(QueuedPush.prototype), true);
  const { push, pull } = await pair(QueuedPush);
  const receiving = receiveAll(pull, N);
  const sends: Promise<void>[] = [];
  for (let i = 0; i < N; i++) sends.push(push.send(`m${i}`));
  await Promise.all(sends);
  assert.deepEqual(await receiving, Array.from({ length: N }, (_, i) => `m${i}`));

  // Idle again: a send on a closed socket throws at the call, as zeromq's own send does.
  push.close();
  assert.throws(() => void push.send("late"), /closed/i);
  pull.close();
});

test("queueSends installs once, and leaves alone what it cannot queue", () => {
  class QueuedPush extends zmq.Push {}
  assert.equal(queueSends(QueuedPush.prototype), true);
  const queued = QueuedPush.prototype.send;
  assert.notEqual(queued, zmq.Push.prototype.send);
  assert.equal(queueSends(QueuedPush.prototype), true);
  assert.equal(QueuedPush.prototype.send, queued, "not wrapped twice");

  const noSend = { receive: () => undefined };
  assert.equal(queueSends(noSend), false);
  assert.deepEqual(Object.keys(noSend), ["receive"]);

  const fixed = Object.defineProperty({}, "send", { value: () => undefined, configurable: false });
  const before = (fixed as { send: unknown }).send;
  assert.equal(queueSends(fixed), false);
  assert.equal((fixed as { send: unknown }).send, before);
});

/**
 * Publish `n` messages of 16 kB to a connected Subscriber that reads none of them until all are sent; return how many
 * arrive. 16 kB each, so that the TCP buffers between the two hold only a few hundred: what is left must wait in the
 * publisher's queue, up to its high-water mark (the subscriber's own mark is zeromq's default, 1,000).
 */
async function publishUnread(PubClass: typeof zmq.Publisher, n: number): Promise<number> {
  const pub = new PubClass();
  await pub.bind("tcp://127.0.0.1:*");
  const sub = new zmq.Subscriber({ receiveTimeout: 500, receiveHighWaterMark: 1000 });
  sub.connect(pub.lastEndpoint!);
  sub.subscribe();
  // A subscription takes a moment to reach the publisher: probe until one probe arrives, then drain the probes.
  for (;;) {
    await pub.send("probe");
    try {
      const [m] = await sub.receive();
      if (m!.toString() === "probe") break;
    } catch {
      // timed out: probe again
    }
  }
  for (;;) {
    try {
      await sub.receive();
    } catch {
      break;
    }
  }
  const pad = "x".repeat(16 * 1024);
  for (let i = 0; i < n; i++) await pub.send(`m${i} ${pad}`);
  let got = 0;
  for (;;) {
    try {
      const [m] = await sub.receive();
      assert.equal(m!.toString().split(" ")[0], `m${got}`, "in order, none skipped before the end");
      got++;
    } catch {
      break;
    }
  }
  pub.close();
  sub.close();
  return got;
}

test("a publisher drops what a slow subscriber has not read past its high-water mark; keepAllPublished keeps every message", async () => {
  const n = 6_000;
  const dropped = await publishUnread(class extends zmq.Publisher {}, n);
  assert.ok(dropped < n, `zeromq's default mark: ${dropped} of ${n} arrived`);
  class KeepAll extends zmq.Publisher {}
  assert.equal(keepAllPublished(KeepAll.prototype), true);
  assert.equal(keepAllPublished(KeepAll.prototype), true, "installs once");
  assert.equal(await publishUnread(KeepAll, n), n);
  assert.equal(keepAllPublished({ send: () => undefined }), false, "nothing to wrap without bind");
});
