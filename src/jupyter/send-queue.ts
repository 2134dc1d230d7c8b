/**
 * One send at a time per ZeroMQ socket, for tslab's kernel sockets. tslab 1.0.22 calls `socket.send(…)`
 * for every Jupyter message without awaiting it. zeromq 6 completes a send at once only while the
 * socket's count of back-to-back synchronous operations is under 512 (reset when a delayed operation
 * runs); the 513th send is deferred to the next event-loop turn, and any send made before that runs
 * throws EBUSY ("Socket is busy writing"). A burst of cell output (every `console.log` and display
 * update is one iopub message) therefore loses output silently, fails the cell when a display update
 * throws, and can drop the end-of-cell status. Queueing each send behind the previous one on the same
 * socket keeps every message, in order; a send with nothing pending still goes out at once.
 */

type Send = (this: object, ...args: unknown[]) => unknown;

/** Marks a `send` that already queues, so installing twice does not queue twice. */
const QUEUED = Symbol.for("lfads-ts.queuedSend");

/** Per socket: a promise that settles when its last issued or queued send has settled. */
const tails = new WeakMap<object, Promise<void>>();

const ignore = (): void => undefined;

/** `send` run after the socket's previous send, returning a promise that settles as that send does. */
function queued(send: Send): Send {
  const wrapped = function (this: object, ...args: unknown[]): Promise<unknown> {
    const tail = tails.get(this);
    // Nothing pending: send now, so a closed socket still throws at the call as zeromq's own send does.
    const result: Promise<unknown> = tail === undefined ? Promise.resolve(send.apply(this, args)) : tail.then(() => send.apply(this, args));
    const settled = result.then(ignore, ignore);
    tails.set(this, settled);
    void settled.then(() => {
      if (tails.get(this) === settled) tails.delete(this);
    });
    // A promise of its own: a failure the caller ignores stays an unhandled rejection, as before.
    return result.then((v) => v);
  };
  Object.defineProperty(wrapped, QUEUED, { value: true });
  return wrapped;
}

/**
 * Make `send` on `proto` (zeromq's `Socket.prototype`, or a subclass's prototype) wait for the previous
 * send on the same socket. Returns false, changing nothing, when `proto` has no replaceable `send`.
 */
export function queueSends(proto: object): boolean {
  return replaceOnce(proto, "send", QUEUED, queued);
}

/**
 * Replace the method `name` of `proto` by `wrap(method)`, once: the replacement carries `marker`, so a second
 * call finds it and changes nothing. False, changing nothing, when there is no method or it cannot be replaced.
 */
function replaceOnce(proto: object, name: string, marker: symbol, wrap: (f: Send) => Send): boolean {
  const f = (proto as Record<string, unknown>)[name];
  if (typeof f !== "function") return false;
  if ((f as unknown as Record<symbol, unknown>)[marker] === true) return true;
  const own = Object.getOwnPropertyDescriptor(proto, name);
  if (own !== undefined && !own.configurable) return false;
  const wrapped = wrap(f as Send);
  if ((wrapped as unknown as Record<symbol, unknown>)[marker] !== true) Object.defineProperty(wrapped, marker, { value: true });
  Object.defineProperty(proto, name, { value: wrapped, writable: own?.writable ?? true, enumerable: own?.enumerable ?? false, configurable: true });
  return true;
}

/** Marks a `bind` that already lifts the high-water mark. */
const UNBOUNDED = Symbol.for("lfads-ts.unboundedPublisher");

/**
 * Make every socket of `proto` (tslab's iopub is a zeromq `Publisher`) keep all its messages: before it
 * binds, its send high-water mark is set to 0 (no limit). A PUB socket silently drops messages once
 * 1,000 (the default mark) wait for a subscriber, which happens when the notebook client reads more
 * slowly than a cell prints (a busy machine, a burst of output); ipykernel likewise lifts the mark on its
 * iopub socket. The messages then wait in the kernel's memory until the client reads them. Returns false,
 * changing nothing, when `proto` has no replaceable `bind`.
 */
export function keepAllPublished(proto: object): boolean {
  return replaceOnce(proto, "bind", UNBOUNDED, (bind) =>
    function (this: { sendHighWaterMark?: number }, ...args: unknown[]): unknown {
      this.sendHighWaterMark = 0;
      return bind.apply(this, args);
    },
  );
}
