#!/usr/bin/env node
// Proves the reference servers (`sio-server.mjs` on Node, `tests/py/sio_server.py` on Python)
// with the official `socket.io-client`, before Rust clients are tested against them
// (`tests/tests/peers.rs`, harness `tests/src/peers.rs`).
//
// Usage: node client-vs-peer.mjs <scenario> <http(s)://host:port> <node|python> [ca.pem]
// `ca.pem`: a certificate to trust for https/wss. Scenarios:
//   polling | websocket   connect on that transport alone with auth {user: "u1"}: the "auth"
//                         event echoes it; an echo works; prints {id, transport, ping} (ping:
//                         the handshake's [pingInterval, pingTimeout])
//   upgrade               connect with the default transports: polling, then the upgrade to
//                         websocket; an echo after it; prints {id, transport}
//   echo                  "echo" with every JSON type (and unicode) comes back as an "echo"
//                         event and as the ack
//   acks                  client -> server acks (no, one, several arguments) and server ->
//                         client: "ask" makes the server emit "question" with an ack; the
//                         client's answer comes back in "answer"
//   binary                binary arguments (top level, nested, in acks) echoed byte for byte;
//                         "binary" 300 -> a Buffer of 300 bytes, also nested
//   namespaces            /admin refused without a token, with a wrong one (message
//                         "unauthorized", data {reason: "bad token"}), accepted with "secret";
//                         /dyn-abc accepted; /nope refused ("Invalid namespace"); all on one
//                         Manager with "/"
//   rooms                 two clients: "join", "to-room" reaches the room's members only
//   ticks                 "ticks" {count: 5, every_ms: 20}: "tick" {seq} 1..5 in order
//   disconnect-me         the server disconnects the socket: reason "io server disconnect", no
//                         reconnection; prints {id}
//   close-transport       the server closes the transport: reason "transport close", the client
//                         reconnects: recovered with the same id (node), a fresh session with a
//                         new id (python); prints {before, after}. The "auth" echoed then has
//                         the client's `pid` and `offset` besides its own (node)
//   recovery | recovery-polling   (node only) "ticks" 15 every 100 ms, the server closes the
//                         transport after the 3rd; the client is away >= 500 ms and comes back
//                         recovered with the same id; every tick 1..15 arrives exactly once and
//                         in order (the missed ones replayed); prints {id, away_ms, ticks}
// Prints `ok <scenario> <json>` and exits 0, or the reason on stderr and exits 1.
//
// With connection state recovery on (the Node server), socket.io appends the packet's offset
// (a string) to the arguments of every event it emits without an ack, and socket.io-client
// hands it to the listeners too: `args()` below drops it (and checks it is there).

import { readFileSync } from "node:fs";
import { Manager } from "socket.io-client";
import { SioPeer, checkDeep } from "./lib/sio-peer.mjs";
import { check, runScenario, sleep, withTimeout } from "./lib/util.mjs";

const KIND = process.argv[4];
if (KIND !== "node" && KIND !== "python") {
  console.error("usage: node client-vs-peer.mjs <scenario> <http(s)://host:port> <node|python> [ca.pem]");
  process.exit(2);
}
const RECOVERY = KIND === "node";
const TLS = process.argv[5] ? { ca: readFileSync(process.argv[5]), rejectUnauthorized: true } : {};

function peer(base, opts = {}) {
  return new SioPeer(base, { ...TLS, ...opts });
}

/** The event's arguments without the recovery offset the Node server appends. */
function args(p, list, context) {
  if (!RECOVERY) return list;
  const last = list[list.length - 1];
  check(typeof last === "string" && p.socket._pid, `${context}: no recovery offset at the end of ${JSON.stringify(list)}`);
  return list.slice(0, -1);
}

/** The next `event`'s arguments (offset dropped). */
async function next(p, event, ms = 3000) {
  return args(p, await p.next(event, ms), `"${event}"`);
}

/** Disconnects, and gives the DISCONNECT (a POST on polling) time to leave before the exit. */
async function bye(p) {
  p.close();
  await sleep(200);
}

async function connected(base, transport, auth) {
  const p = peer(base, { transport, auth, label: `client (${transport ?? "default"})` });
  await p.open();
  checkDeep(await next(p, "auth"), [auth ?? {}], "the auth event");
  return p;
}

async function echoBoth(p, list, context) {
  const acked = await p.ack("echo", ...list);
  checkDeep(acked, list, `${context}: ack`);
  checkDeep(await next(p, "echo"), list, `${context}: echo event`);
}

async function onTransport(base, transport) {
  const p = await connected(base, transport, { user: "u1" });
  check(p.transport === transport, `transport is ${p.transport}`);
  await echoBoth(p, ["hello", 1], transport);
  const engine = p.socket.io.engine;
  const out = { id: p.socket.id, transport: p.transport, ping: [engine._pingInterval, engine._pingTimeout] };
  await bye(p);
  return out;
}

async function upgrade(base) {
  const p = peer(base, { label: "client (upgrade)", auth: { user: "u1" } });
  let first = null;
  const upgraded = new Promise((resolve) => p.socket.io.on("open", () => {
    first = p.socket.io.engine.transport.name;
    p.socket.io.engine.once("upgrade", resolve);
  }));
  await p.open();
  checkDeep(await next(p, "auth"), [{ user: "u1" }], "the auth event");
  await withTimeout(upgraded, 5000, "the upgrade to websocket");
  check(first === "polling", `first transport ${first}`);
  check(p.transport === "websocket", `after the upgrade: ${p.transport}`);
  await echoBoth(p, ["after upgrade"], "upgrade");
  const out = { id: p.socket.id, transport: p.transport };
  await bye(p);
  return out;
}

async function echo(base) {
  const p = await connected(base);
  const values = [
    ["text"],
    [0, -1.5, 1e21, true, false, null],
    [{ a: { b: [1, "two", { c: null }] } }, []],
    ["héllo wörld ✓ 🚀", { "clé": "valeur" }],
    [],
  ];
  for (const list of values) await echoBoth(p, list, JSON.stringify(list));
  await bye(p);
  return { echoed: values.length };
}

async function acks(base) {
  const p = await connected(base);
  checkDeep(await p.ack("anything"), [], "ack without arguments");
  checkDeep(await p.ack("anything", 1), [1], "ack with one argument");
  checkDeep(await p.ack("anything", "a", { b: 2 }, [3]), ["a", { b: 2 }, [3]], "ack with three arguments");
  checkDeep(await p.socket.timeout(3000).emitWithAck("anything", "x"), "x", "emitWithAck");
  // Server to client: the server's question carries an ack.
  p.socket.on("question", (...list) => {
    const reply = list.pop();
    check(typeof reply === "function", "question without an ack");
    reply("yes", { to: list });
  });
  p.socket.emit("ask", "q1", 2);
  checkDeep(await next(p, "answer"), ["yes", { to: ["q1", 2] }], "the answer");
  await bye(p);
  return { acks: 5 };
}

function bytes(n, seed = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) % 256;
  return b;
}

async function binary(base) {
  const p = await connected(base);
  await echoBoth(p, [bytes(10)], "one buffer");
  await echoBoth(p, ["text", bytes(1000, 7), { nested: [bytes(3, 1), { deep: bytes(0) }] }], "nested buffers");
  p.socket.emit("binary", 300);
  const [buf, obj] = await next(p, "binary");
  checkDeep([buf, obj], [bytes(300), { nested: bytes(300) }], "the binary event");
  check(Buffer.isBuffer(buf), "binary arrives as a Buffer");
  await bye(p);
  return { binary: 3 };
}

async function connectError(p) {
  const { event, args: list } = await p.nextOf(["connect", "connect_error"], 5000);
  check(event === "connect_error", `${p.label}: ${event}, expected connect_error`);
  return { message: list[0]?.message, data: list[0]?.data };
}

async function namespaces(base) {
  const manager = new Manager(base, { reconnectionDelay: 100, ...TLS });
  const main = peer(manager, { label: "/" });
  await main.open();
  // A Manager keeps one socket per namespace: the same one tries again with other auth (a
  // middleware's refusal is not retried by the client itself).
  const admin = peer(manager, { nsp: "/admin", label: "/admin" });
  checkDeep(await connectError(admin), { message: "unauthorized", data: { reason: "bad token" } }, "no token");
  admin.socket.auth = { token: "nope" };
  admin.socket.connect();
  checkDeep(await connectError(admin), { message: "unauthorized", data: { reason: "bad token" } }, "wrong token");
  admin.socket.auth = { token: "secret" };
  admin.socket.connect();
  await admin.open();
  checkDeep(await next(admin, "auth"), [{ token: "secret" }], "/admin auth event");
  await echoBoth(admin, ["in admin"], "/admin");
  const dyn = peer(manager, { nsp: "/dyn-abc", label: "/dyn-abc" });
  await dyn.open();
  await echoBoth(dyn, ["in dyn"], "/dyn-abc");
  const nope = peer(manager, { nsp: "/nope", label: "/nope" });
  const refused = await connectError(nope);
  check(refused.message === "Invalid namespace", `/nope: ${JSON.stringify(refused)}`);
  await echoBoth(main, ["still there"], "/ after the refusals");
  check(admin.engineId === main.engineId && dyn.engineId === main.engineId, "one Engine.IO session");
  const out = { main: main.socket.id, admin: admin.socket.id, dyn: dyn.socket.id };
  manager.engine.close();
  return out;
}

async function rooms(base) {
  const a = await connected(base, undefined, undefined);
  const b = await connected(base, undefined, undefined);
  checkDeep(await a.ack("join", "r1"), ["r1"], "join acked");
  a.socket.emit("to-room", "r1", "news", 1, { x: 2 });
  checkDeep(await next(a, "news"), [1, { x: 2 }], "a gets the room's news");
  await sleep(200);
  b.assertNone("news", "b is not in r1");
  await b.ack("join", "r1");
  b.socket.emit("to-room", "r1", "news", 2);
  checkDeep(await next(a, "news"), [2], "a gets b's news");
  checkDeep(await next(b, "news"), [2], "b gets its own news");
  await a.ack("leave", "r1");
  b.socket.emit("to-room", "r1", "news", 3);
  checkDeep(await next(b, "news"), [3], "b after a left");
  await sleep(200);
  a.assertNone("news", "a left r1");
  await bye(a);
  await bye(b);
  return { rooms: 1 };
}

async function ticks(base) {
  const p = await connected(base);
  p.socket.emit("ticks", { count: 5, every_ms: 20 });
  for (let seq = 1; seq <= 5; seq++) checkDeep(await next(p, "tick"), [{ seq }], `tick ${seq}`);
  await bye(p);
  return { ticks: 5 };
}

async function disconnectMe(base) {
  const p = await connected(base);
  const id = p.socket.id;
  p.socket.emit("disconnect-me");
  const [reason] = await p.next("disconnect");
  check(reason === "io server disconnect", `reason ${reason}`);
  await sleep(500);
  check(!p.socket.connected && !p.socket.active, "the client does not reconnect");
  p.assertNone("connect", "after io server disconnect");
  await bye(p);
  return { id };
}

async function closeTransport(base) {
  const p = await connected(base, undefined, { user: "u1" });
  const before = p.socket.id;
  p.socket.emit("close-transport");
  const [reason] = await p.next("disconnect");
  check(reason === "transport close", `reason ${reason}`);
  await p.open();
  const after = p.socket.id;
  if (RECOVERY) {
    check(p.socket.recovered === true && after === before, `recovered ${p.socket.recovered}, ${before} -> ${after}`);
  } else {
    check(!p.socket.recovered && after !== before, `recovered ${p.socket.recovered}, ${before} -> ${after}`);
  }
  // socket.io-client adds its session's pid and last offset to the auth of a reconnection.
  const [auth] = await next(p, "auth");
  if (RECOVERY) {
    check(typeof auth.pid === "string" && typeof auth.offset === "string", `auth again: ${JSON.stringify(auth)}`);
    delete auth.pid;
    delete auth.offset;
  }
  checkDeep(auth, { user: "u1" }, "auth again");
  await echoBoth(p, ["back"], "after the reconnection");
  await bye(p);
  return { before, after };
}

async function recovery(base, transport) {
  check(RECOVERY, "the python server has no connection state recovery");
  const p = peer(base, {
    transport,
    label: `client (${transport ?? "default"})`,
    reconnectionDelay: 500,
    reconnectionDelayMax: 500,
    randomizationFactor: 0,
  });
  await p.open();
  await next(p, "auth");
  const id = p.socket.id;
  const ticks = [];
  p.socket.on("tick", (data, offset) => {
    check(typeof offset === "string", "tick without an offset");
    ticks.push(data.seq);
  });
  p.socket.emit("ticks", { count: 15, every_ms: 100 });
  await withTimeout((async () => { while (ticks.length < 3) await sleep(5); })(), 5000, "3 ticks");
  p.socket.emit("close-transport");
  const [reason] = await p.next("disconnect");
  const cut = Date.now();
  check(reason === "transport close", `reason ${reason}`);
  await p.open();
  const awayMs = Date.now() - cut;
  check(p.socket.recovered === true, "recovered");
  check(p.socket.id === id, `id ${id} -> ${p.socket.id}`);
  check(awayMs >= 300, `away only ${awayMs} ms: nothing was missed`);
  await withTimeout((async () => { while (ticks.length < 15) await sleep(5); })(), 5000, `15 ticks (got ${ticks})`);
  await sleep(300);
  checkDeep(ticks, Array.from({ length: 15 }, (_, i) => i + 1), "every tick once, in order");
  await bye(p);
  return { id, away_ms: awayMs, ticks: ticks.length };
}

await runScenario("client-vs-peer.mjs", {
  polling: [(base) => onTransport(base, "polling"), 15000],
  websocket: [(base) => onTransport(base, "websocket"), 15000],
  upgrade: [upgrade, 15000],
  echo: [echo, 15000],
  acks: [acks, 15000],
  binary: [binary, 15000],
  namespaces: [namespaces, 20000],
  rooms: [rooms, 15000],
  ticks: [ticks, 15000],
  "disconnect-me": [disconnectMe, 15000],
  "close-transport": [closeTransport, 15000],
  recovery: [(base) => recovery(base, "websocket"), 20000],
  "recovery-polling": [(base) => recovery(base, "polling"), 20000],
});
