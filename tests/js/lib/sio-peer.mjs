// A thin wrapper around the official socket.io-client Socket that queues every received
// event (including "connect", "disconnect" and "connect_error") so scenarios can await them
// in order, plus a deep comparison that understands binary values.

import { Socket as EioSocket } from "engine.io-client";
import { Manager, io } from "socket.io-client";
import { asBytes, check, describe, fail, withTimeout } from "./util.mjs";

/** Transport choices: engine.io-client `transports` option by name. */
export const TRANSPORTS = { polling: ["polling"], websocket: ["websocket"], default: undefined };

/** Client options every peer uses unless overridden: fast reconnection, bounded connects. */
const DEFAULTS = { reconnectionDelay: 100, reconnectionDelayMax: 300, timeout: 5000 };

/** The socket.io-client `parser` every peer uses (see `useParser`); none means JSON. */
let PARSER;

/**
 * Makes every peer made from now on use `parser` (e.g. `socket.io-msgpack-parser`), and
 * `rawConnect` speak it (its answer still comes back in the JSON text form).
 */
export function useParser(parser) {
  PARSER = parser;
  DEFAULTS.parser = parser;
}

/** Lifecycle events of the client socket that `onAny` does not report. */
const RESERVED = ["connect", "disconnect", "connect_error"];

/** A Manager (one Engine.IO connection) for multiplexing several namespaces. */
export function manager(base, opts = {}) {
  return new Manager(base, { ...DEFAULTS, ...opts });
}

/** One socket.io-client socket with an event inbox. */
export class SioPeer {
  /**
   * `source` is a base URL (a new Manager is made for this peer) or a Manager to share.
   * `opts.nsp` is the namespace ("/" by default), `opts.label` names the peer in errors,
   * `opts.transport` is a key of TRANSPORTS; the rest goes to socket.io-client.
   */
  constructor(source, opts = {}) {
    const { label, nsp = "/", transport, ...clientOpts } = opts;
    this.label = label ?? `client ${nsp}`;
    if (TRANSPORTS[transport]) clientOpts.transports = TRANSPORTS[transport];
    this.socket = source instanceof Manager
      ? source.socket(nsp, clientOpts)
      : io(`${source}${nsp}`, { ...DEFAULTS, forceNew: true, ...clientOpts });
    this.queues = new Map();
    this.waiters = [];
    this.log = []; // every event name, in arrival order (for error messages)
    this.socket.onAny((event, ...args) => this._push(event, args));
    for (const ev of RESERVED) this.socket.on(ev, (...args) => this._push(ev, args));
    this.socket.io.on("reconnect_attempt", (n) => this.log.push(`reconnect_attempt#${n}`));
  }

  _push(event, args) {
    this.log.push(event === "disconnect" || event === "connect_error"
      ? `${event}(${args[0]?.message ?? args[0]}${args[1] ? `: ${args[1]?.description?.message ?? args[1]?.description ?? args[1]}` : ""})`
      : event);
    const i = this.waiters.findIndex((w) => w.events.includes(event));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve({ event, args });
      return;
    }
    if (!this.queues.has(event)) this.queues.set(event, []);
    this.queues.get(event).push(args);
  }

  /** The Engine.IO session id of this socket's Manager. */
  get engineId() {
    return this.socket.io.engine?.id;
  }

  /** The current Engine.IO transport name. */
  get transport() {
    return this.socket.io.engine?.transport?.name;
  }

  /** Resolves with `{ event, args }` for the first of `events` to arrive (queued ones first). */
  nextOf(events, ms = 3000) {
    for (const event of events) {
      const q = this.queues.get(event);
      if (q?.length) return Promise.resolve({ event, args: q.shift() });
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        events,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no ${events.map((e) => `"${e}"`).join(" or ")} within ${ms} ms; events so far: ${this.log.join(", ")}`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** Resolves with the argument list of the next `event`. */
  async next(event, ms = 3000) {
    return (await this.nextOf([event], ms)).args;
  }

  /** Removes and returns every queued occurrence of `event`. */
  take(event) {
    const q = this.queues.get(event) ?? [];
    this.queues.delete(event);
    return q;
  }

  /** Checks that no `event` is queued (call after giving it time to arrive). */
  assertNone(event, context) {
    const q = this.queues.get(event);
    if (q?.length) fail(`${this.label}: ${context}: unexpected "${event}" ${showArgs(q[0])}`);
  }

  /** Waits for "connect"; a "connect_error" first is a failure. */
  async open(ms = 5000) {
    const { event, args } = await this.nextOf(["connect", "connect_error"], ms);
    if (event === "connect_error") {
      const err = args[0];
      const cause = err?.description?.message ?? err?.description ?? "";
      fail(`${this.label}: connect_error ${err?.message} data=${JSON.stringify(err?.data)} ${cause}`);
    }
    check(this.socket.connected, `${this.label}: "connect" but not connected`);
    return this;
  }

  /** Waits for "connect" and the server's "welcome" (namespace "/"), checks the id, returns its data. */
  async welcome(ms = 5000) {
    await this.open(ms);
    const [data] = await this.next("welcome", ms);
    check(data?.id === this.socket.id, `${this.label}: welcome id ${JSON.stringify(data?.id)} != socket.id ${this.socket.id}`);
    return data;
  }

  /** Emits `event` with `args` and an ack callback; resolves with the ack's argument list. */
  ackWithin(ms, event, ...args) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
        `${this.label}: no ack for "${event}" within ${ms} ms; recent events: ${this.log.slice(-8).join(", ")}`)), ms);
      this.socket.emit(event, ...args, (...reply) => { clearTimeout(timer); resolve(reply); });
    });
  }

  /** `ackWithin` with 3 s. */
  ack(event, ...args) {
    return this.ackWithin(3000, event, ...args);
  }

  /** Emits `args` to the server's `echo` and checks the ack returns exactly them. */
  async echo(args, context, ms = 3000) {
    const reply = await this.ackWithin(ms, "echo", ...args).catch((err) => fail(`${context}: ${err.message}`));
    checkDeep(reply, args, `${this.label}: ${context}: echo ack`);
    return reply;
  }

  /** Closes this socket (and its Manager when no other socket uses it). */
  close() {
    this.socket.disconnect();
  }
}

/** Short printable form of an argument list. */
export function showArgs(args) {
  return `[${args.map(showValue).join(", ")}]`;
}

function showValue(v) {
  if (asBytes(v)) return describe(v);
  if (typeof v === "function") return "<ack fn>";
  try {
    const s = JSON.stringify(v);
    return s && s.length > 200 ? `${s.slice(0, 200)}...` : String(s);
  } catch {
    return String(v);
  }
}

/** Returns null when `got` deep-equals `want` (binary compared by bytes), else where it differs. */
export function diffDeep(got, want, path = "$") {
  const wantBytes = asBytes(want);
  if (wantBytes) {
    const gotBytes = asBytes(got);
    if (!gotBytes) return `${path}: expected ${describe(want)}, got ${showValue(got)}`;
    if (gotBytes.length !== wantBytes.length) return `${path}: expected ${wantBytes.length} bytes, got ${describe(got)}`;
    for (let i = 0; i < wantBytes.length; i++) {
      if (gotBytes[i] !== wantBytes[i]) return `${path}: byte ${i} is ${gotBytes[i]}, expected ${wantBytes[i]}`;
    }
    return null;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path}: expected an array, got ${showValue(got)}`;
    if (got.length !== want.length) return `${path}: expected ${want.length} items, got ${got.length}: ${showValue(got)}`;
    for (let i = 0; i < want.length; i++) {
      const d = diffDeep(got[i], want[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got) || asBytes(got)) {
      return `${path}: expected an object, got ${showValue(got)}`;
    }
    const wk = Object.keys(want).sort();
    const gk = Object.keys(got).sort();
    if (wk.join("\0") !== gk.join("\0")) return `${path}: keys ${JSON.stringify(gk)}, expected ${JSON.stringify(wk)}`;
    for (const k of wk) {
      const d = diffDeep(got[k], want[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return got === want ? null : `${path}: expected ${showValue(want)}, got ${showValue(got)}`;
}

/** Throws unless `got` deep-equals `want`. */
export function checkDeep(got, want, context) {
  const d = diffDeep(got, want);
  if (d) fail(`${context}: ${d}`);
}

/** Names the JavaScript types of the binary values inside `value` (e.g. ["Buffer"]). */
export function binaryKinds(value, out = new Set()) {
  if (asBytes(value)) out.add(Buffer.isBuffer(value) ? "Buffer" : value.constructor.name);
  else if (Array.isArray(value)) value.forEach((v) => binaryKinds(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => binaryKinds(v, out));
  return out;
}

/** Opens `n` peers on namespace "/" with the given transports (cycled) and awaits their welcome. */
export async function openPeers(base, transports, n = transports.length, prefix = "peer") {
  const peers = Array.from({ length: n }, (_, i) => new SioPeer(base, {
    label: `${prefix} ${i} (${transports[i % transports.length]})`,
    transport: transports[i % transports.length],
  }));
  await Promise.all(peers.map((p) => p.welcome()));
  return peers;
}

/**
 * Opens a raw Engine.IO WebSocket session at /socket.io/, sends a Socket.IO CONNECT for `nsp`
 * with `auth` and returns the first Socket.IO packet the server answers, as text without the
 * Engine.IO "4" (e.g. `4/admin,{"message":...}` for a CONNECT_ERROR).
 */
export async function rawConnect(base, nsp, auth) {
  const eio = new EioSocket(base, { path: "/socket.io/", transports: ["websocket"] });
  try {
    if (PARSER) return await rawParserConnect(eio, nsp, auth);
    const answer = new Promise((resolve) => eio.on("message", resolve));
    await withTimeout(new Promise((resolve) => eio.once("open", resolve)), 3000, "raw Engine.IO open");
    eio.send(`0${nsp === "/" ? "" : `${nsp},`}${auth === undefined ? "" : JSON.stringify(auth)}`);
    return await withTimeout(answer, 3000, `raw answer to CONNECT ${nsp}`);
  } finally {
    eio.close();
  }
}

/**
 * `rawConnect` with `PARSER`: the CONNECT its Encoder writes; the answer (one message) decoded
 * with its Decoder and written back in the JSON text form, e.g. `4/nope,{"message":..}`.
 */
async function rawParserConnect(eio, nsp, auth) {
  const decoder = new PARSER.Decoder();
  const answer = new Promise((resolve) => decoder.on("decoded", resolve));
  eio.on("message", (data) => decoder.add(data));
  await withTimeout(new Promise((resolve) => eio.once("open", resolve)), 3000, "raw Engine.IO open");
  const packet = auth === undefined ? { type: 0, nsp } : { type: 0, data: auth, nsp };
  for (const part of new PARSER.Encoder().encode(packet)) eio.send(part);
  const p = await withTimeout(answer, 3000, `raw answer to CONNECT ${nsp}`);
  return `${p.type}${p.nsp === "/" ? "" : `${p.nsp},`}${p.id ?? ""}${p.data === undefined ? "" : JSON.stringify(p.data)}`;
}
