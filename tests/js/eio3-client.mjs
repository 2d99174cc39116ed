#!/usr/bin/env node
// Engine.IO v3 / Socket.IO protocol v4 driver: the npm socket.io-client 2.5.0 (the lock's
// `socket.io-client-v2` alias, with its own engine.io-client 3.x and socket.io-parser 3.x).
//
// Usage: node eio3-client.mjs <scenario> <base-url>
//
// The server at <base-url> is the "feature server" of README.md at /socket.io/, with
// `allow_eio3` on (except for `refused`). Scenarios:
// - `polling`, `base64`, `websocket`, `default`: with that client setup (polling only, which
//   in Node sends `b64=1` anyway: its XMLHttpRequest lacks XHR2, see eio3-browser.mjs for the
//   binary framing; polling only with `forceBase64: true`, binary as `b4<base64>`; WebSocket
//   only, binary frames behind the type byte; polling then the upgrade): connect (the socket id on "/" is the Engine.IO
//   id, as Node gives v3 clients), events both ways, acks both ways, binary both ways (a
//   large buffer too), rooms (a room broadcast reaches only its members), "/custom" on the
//   same Manager, "/admin" with its token in the query, and refused without it;
// - `heartbeat` (a server with pingInterval 300 and pingTimeout 600): a polling and a
//   WebSocket client stay idle for seven ping intervals, pinging (v3: the client pings) and
//   getting pongs, and are still connected;
// - `conformance` (examples/conformance.rs's contract with `ALLOW_EIO3=1`): on polling and
//   WebSocket, `auth` on "/" and on "/custom" (its query as auth), `message` -> `message-back`
//   and `message-with-ack` with binary; the bare Engine.IO echo at /engine.io/ with the v2
//   package's engine.io-client 3.x;
// - `binary-echo`, `binary-serve`: the `sio-smol` binary with `--allow-eio3`, its default
//   Engine.IO echo with engine.io-client 3.x, and `serve` with socket.io-client 2.x, on polling
//   and WebSocket;
// - `refused` (a server without `allow_eio3`): the handshake is answered 400
//   `{"code":5,"message":"Unsupported protocol version"}` and the client cannot connect.
//
// On success prints `ok <scenario> <json details>` and exits 0; on failure prints the reason
// to stderr and exits 1.

import { createRequire } from "node:module";
import { dirname } from "node:path";
import io from "socket.io-client-v2";
import { check, checkPayload, fail, runScenario, sleep, withTimeout } from "./lib/util.mjs";

/** Client options per scenario. */
const MODES = {
  polling: { transports: ["polling"] },
  base64: { transports: ["polling"], forceBase64: true },
  websocket: { transports: ["websocket"] },
  default: {},
};

/** Events the peers queue. */
const EVENTS = ["connect", "connect_error", "error", "disconnect", "welcome", "hello", "echo-event", "room-msg"];

/** One socket.io-client 2.x socket with queues of the events it got. */
class Peer {
  constructor(socket, label) {
    this.label = label;
    this.socket = socket;
    this.queues = new Map();
    this.waiters = [];
    this.log = [];
    for (const ev of EVENTS) this.socket.on(ev, (...args) => this._push(ev, args));
    // The server asks with an ack: answer `{ got: <data> }`.
    this.socket.on("ask", (data, ack) => ack({ got: data }));
  }

  static open(base, nsp, opts, label) {
    return new Peer(io(`${base}${nsp}`, { forceNew: true, reconnection: false, ...opts }), label);
  }

  _push(event, args) {
    this.log.push(event);
    const i = this.waiters.findIndex((w) => w.events.includes(event));
    if (i >= 0) return this.waiters.splice(i, 1)[0].resolve({ event, args });
    if (!this.queues.has(event)) this.queues.set(event, []);
    this.queues.get(event).push(args);
  }

  nextOf(events, ms = 5000) {
    for (const event of events) {
      const q = this.queues.get(event);
      if (q?.length) return Promise.resolve({ event, args: q.shift() });
    }
    return new Promise((resolve, reject) => {
      const waiter = { events, resolve: (r) => { clearTimeout(timer); resolve(r); } };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no ${events.join(" or ")} within ${ms} ms; events: ${this.log.join(", ")}`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  async next(event, ms) {
    return (await this.nextOf([event], ms)).args;
  }

  assertNone(event, context) {
    const q = this.queues.get(event);
    if (q?.length) fail(`${this.label}: ${context}: unexpected "${event}" ${JSON.stringify(q[0])}`);
  }

  async connected() {
    const { event, args } = await this.nextOf(["connect", "connect_error", "error"]);
    if (event !== "connect") fail(`${this.label}: ${event} ${JSON.stringify(args[0]?.message ?? args[0])}`);
    return this;
  }

  ack(event, ...args) {
    return withTimeout(new Promise((resolve) => this.socket.emit(event, ...args, (...reply) => resolve(reply))),
      5000, `${this.label}: ack for "${event}"`);
  }

  get engine() {
    return this.socket.io.engine;
  }

  close() {
    this.socket.io.close();
  }
}

/** Deep equality with bytes compared exactly (Buffers arrive as Buffers). */
function checkDeep(got, want, context) {
  if (want instanceof Uint8Array) return checkPayload(got, want, context);
  if (Array.isArray(want)) {
    check(Array.isArray(got) && got.length === want.length, `${context}: ${JSON.stringify(got)} is not ${want.length} long`);
    return want.forEach((w, i) => checkDeep(got[i], w, `${context}[${i}]`));
  }
  if (want && typeof want === "object") {
    check(got && typeof got === "object", `${context}: ${JSON.stringify(got)} is not an object`);
    check(Object.keys(got).length === Object.keys(want).length, `${context}: keys ${Object.keys(got)}`);
    return Object.keys(want).forEach((k) => checkDeep(got[k], want[k], `${context}.${k}`));
  }
  check(got === want, `${context}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
}

async function upgraded(peer) {
  if (peer.engine.transport.name !== "websocket") {
    await withTimeout(new Promise((resolve) => peer.engine.once("upgrade", resolve)), 5000, `${peer.label}: upgrade`);
  }
}

/** The whole feature tour with one client setup. */
async function tour(base, mode) {
  const opts = MODES[mode];
  const a = Peer.open(base, "/", opts, `${mode} a`);
  const b = Peer.open(base, "/", opts, `${mode} b`);
  try {
    for (const p of [a, b]) {
      await p.connected();
      const [welcome] = await p.next("welcome");
      check(welcome.id === p.socket.id, `${p.label}: welcome id ${welcome.id} != socket.id ${p.socket.id}`);
      check(p.socket.id === p.engine.id, `${p.label}: socket.id ${p.socket.id} is not the Engine.IO id ${p.engine.id}`);
      checkDeep(welcome.auth, {}, `${p.label}: auth`);
      if (mode === "default") await upgraded(p);
    }
    const transport = a.engine.transport.name;
    check(transport === (opts.transports?.[0] ?? "websocket"), `${mode}: transport ${transport}`);
    // Reported, not required, on polling: the Node build's XMLHttpRequest has no
    // `responseType`, so it asks `b64=1` even without `forceBase64` (eio3-browser.mjs runs
    // the binary framing in a browser).
    const supportsBinary = a.engine.transport.supportsBinary;
    if (transport === "websocket") check(supportsBinary === !opts.forceBase64, `${mode}: supportsBinary ${supportsBinary}`);

    // Events both ways, text with astral characters (UTF-16 lengths in v3 payloads).
    const text = ["héllo 😀 日本", { n: 1, s: "a:b,c" }];
    a.socket.emit("echo-event", ...text);
    checkDeep(await a.next("echo-event"), text, `${mode}: echo-event`);

    // Acks both ways.
    checkDeep(await a.ack("echo", "x", 2, [true]), ["x", 2, [true]], `${mode}: client ack`);
    checkDeep(await a.ack("ask-me", "q", 3000), [{ reply: { got: "q" } }], `${mode}: server ack`);

    // Binary both ways: in an ack, in an event, in the server's question; a large one too.
    const small = Uint8Array.from([0, 1, 2, 255, 10, 58]);
    const large = Buffer.alloc(100_000, 7);
    const bin = [Buffer.from(small), { nested: large, t: "é" }];
    checkDeep(await a.ack("echo", ...bin), bin, `${mode}: binary echo ack`);
    a.socket.emit("echo-event", Buffer.from(small), "tail");
    checkDeep(await a.next("echo-event"), [small, "tail"], `${mode}: binary event`);
    checkDeep(await a.ack("ask-me", Buffer.from(small), 3000), [{ reply: { got: small } }], `${mode}: binary server ack`);

    // Rooms: a broadcast to "r1" reaches its member only.
    checkDeep(await a.ack("join", "r1"), [true], `${mode}: join`);
    b.socket.emit("to-room", "r1", "room-msg", { from: "b" });
    checkDeep(await a.next("room-msg"), [{ from: "b" }], `${mode}: room message`);
    await b.ack("echo", "flush");
    b.assertNone("room-msg", "not in the room");

    // Another namespace on the same Manager; "/admin" with its token in the query.
    const custom = new Peer(a.socket.io.socket("/custom"), `${mode} /custom`);
    await custom.connected();
    checkDeep(await custom.next("hello"), ["/custom"], `${mode}: /custom hello`);
    checkDeep(await custom.ack("echo", Buffer.from(small)), [small], `${mode}: /custom binary echo`);
    const admin = new Peer(a.socket.io.socket("/admin", { query: { token: "secret" } }), `${mode} /admin`);
    await admin.connected();
    checkDeep(await admin.next("hello"), ["/admin"], `${mode}: /admin hello`);
    const refused = Peer.open(base, "/admin", { ...opts, query: { token: "wrong" } }, `${mode} /admin refused`);
    const { event, args } = await refused.nextOf(["connect", "error"]);
    check(event === "error", `${mode}: /admin with a bad token got "${event}"`);
    checkDeep(args[0], { reason: "bad token" }, `${mode}: refusal data`);
    refused.close();
    await a.ack("echo", "still here");
    return { transport, supportsBinary, id: a.socket.id };
  } finally {
    a.close();
    b.close();
  }
}

/** Idle clients kept alive by their own pings (v3). */
async function heartbeat(base) {
  const peers = ["polling", "websocket"].map((m) => Peer.open(base, "/", MODES[m], m));
  try {
    const pongs = new Map(peers.map((p) => [p, 0]));
    for (const p of peers) {
      await p.connected();
      p.engine.on("pong", () => pongs.set(p, pongs.get(p) + 1));
    }
    await sleep(7 * 300);
    const details = {};
    for (const p of peers) {
      p.assertNone("disconnect", "idle");
      check(p.socket.connected, `${p.label}: not connected after idling`);
      check(pongs.get(p) >= 4, `${p.label}: ${pongs.get(p)} pongs in 7 ping intervals`);
      checkDeep(await p.ack("echo", "alive"), ["alive"], `${p.label}: echo after idling`);
      details[p.label] = pongs.get(p);
    }
    return { pongs: details };
  } finally {
    peers.forEach((p) => p.close());
  }
}

/** The conformance server with `ALLOW_EIO3=1`: its Socket.IO and bare Engine.IO endpoints. */
async function conformance(base) {
  const details = {};
  for (const mode of ["polling", "websocket"]) {
    const opts = MODES[mode];
    const main = Peer.open(base, "/", opts, `${mode} /`);
    const custom = new Peer(main.socket.io.socket("/custom", { query: { token: "t" } }), `${mode} /custom`);
    for (const ev of ["auth", "message-back"]) {
      for (const p of [main, custom]) p.socket.on(ev, (...args) => p._push(ev, args));
    }
    try {
      await main.connected();
      checkDeep(await main.next("auth"), [{}], `${mode}: auth on /`);
      await custom.connected();
      checkDeep(await custom.next("auth"), [{ token: "t" }], `${mode}: auth on /custom`);
      const args = [1, "twö 😀", { b: Buffer.from([1, 2, 3]) }];
      main.socket.emit("message", ...args);
      checkDeep(await main.next("message-back"), args, `${mode}: message-back`);
      checkDeep(await main.ack("message-with-ack", ...args), args, `${mode}: message-with-ack`);
    } finally {
      main.close();
    }
    details[mode] = await engineEcho(base, opts);
  }
  return details;
}

/** The bare Engine.IO echo at /engine.io/ with engine.io-client 3.x: text and binary come back. */
async function engineEcho(base, opts) {
  const require = createRequire(import.meta.url);
  const eio = require(require.resolve("engine.io-client", { paths: [dirname(require.resolve("socket.io-client-v2"))] }));
  const socket = eio(base, { path: "/engine.io", ...opts });
  try {
    await withTimeout(new Promise((resolve, reject) => {
      socket.on("open", resolve);
      socket.on("error", reject);
    }), 5000, "engine.io open");
    const sent = ["héllo 😀", Buffer.from([0, 255, 7])];
    const got = [];
    const done = new Promise((resolve) => socket.on("message", (m) => { got.push(m); if (got.length === sent.length) resolve(); }));
    sent.forEach((m) => socket.send(m));
    await withTimeout(done, 5000, "engine.io echoes");
    sent.forEach((m, i) => checkPayload(got[i], m, `engine.io echo #${i}`));
    return socket.transport.name;
  } finally {
    socket.close();
  }
}

/** The `sio-smol` binary with `--allow-eio3`: its Engine.IO echo (the default mode). */
async function binaryEcho(base) {
  const details = {};
  for (const mode of ["polling", "websocket"]) details[mode] = await engineEcho(base, MODES[mode]);
  return details;
}

/** The `sio-smol serve --allow-eio3` binary: v2 clients connect to "/" with the session's id. */
async function binaryServe(base) {
  const details = {};
  for (const mode of ["polling", "websocket"]) {
    const p = Peer.open(base, "/", MODES[mode], mode);
    try {
      await p.connected();
      check(p.socket.id === p.engine.id, `${mode}: socket.id ${p.socket.id} is not the Engine.IO id`);
      details[mode] = p.engine.transport.name;
    } finally {
      p.close();
    }
  }
  return details;
}

/** A server without `allow_eio3` refuses v3 clients. */
async function refused(base) {
  const res = await fetch(`${base}/socket.io/?EIO=3&transport=polling`);
  const body = await res.json();
  check(res.status === 400, `handshake status ${res.status}`);
  checkDeep(body, { code: 5, message: "Unsupported protocol version" }, "handshake body");
  const details = { status: res.status };
  for (const mode of ["polling", "websocket"]) {
    const p = Peer.open(base, "/", MODES[mode], mode);
    const { event } = await p.nextOf(["connect", "connect_error"]);
    p.close();
    check(event === "connect_error", `${mode}: got "${event}"`);
    details[mode] = event;
  }
  return details;
}

const tourOf = (mode) => [(base) => tour(base, mode), 30000];

runScenario("eio3-client.mjs", {
  polling: tourOf("polling"),
  base64: tourOf("base64"),
  websocket: tourOf("websocket"),
  default: tourOf("default"),
  heartbeat: [heartbeat, 15000],
  refused: [refused, 15000],
  conformance: [conformance, 30000],
  "binary-echo": [binaryEcho, 15000],
  "binary-serve": [binaryServe, 15000],
});
