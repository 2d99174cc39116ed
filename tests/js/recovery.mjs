#!/usr/bin/env node
// Connection state recovery against the recovery example (`examples/recovery.rs`):
// `tick` {seq} to room `all` every 20 ms, `burst` n -> n `item` {i}, `echo` acked.
//
// Usage: node recovery.mjs <scenario> <http://host:port>
// Scenarios:
//   websocket | polling   the client's transport is cut (engine.close()) twice; each time the
//                         client reconnects with socket.recovered === true, the same id, and every
//                         tick from its first one on arrives exactly once and in order (missed
//                         ones replayed); a burst sent before a cut arrives whole.
//   deliberate            socket.disconnect() then connect(): a fresh session (recovered false,
//                         new id), and ticks still come (it joins `all` again).
//   bogus-offset | unknown-pid
//                         the client's stored offset (or pid) is replaced before a cut: a fresh
//                         session, ticks still come.
//   expired               (against a server with a 1 s window) the client stays away 1.5 s: a
//                         fresh session.
//   server-close          (against a server with test hooks) `drop-me` makes the server close
//                         the transport, twice: each time recovered, no tick lost or repeated.
//   data                  (test hooks) the socket's data survives a recovery.
//   ping-timeout          (against a server with 300/200 ms pings) the client stops answering
//                         pings once: the server times it out, the client comes back recovered.
// Prints `ok <scenario> <json>` and exits 0, or the reason on stderr and exits 1.

import { io } from "socket.io-client";
import { check, runScenario, sleep, waitFor, withTimeout } from "./lib/util.mjs";

function client(base, transports) {
  const socket = io(base, { transports, reconnectionDelay: 50, reconnectionDelayMax: 100 });
  const ticks = [];
  const items = [];
  socket.on("tick", (data) => ticks.push(data.seq));
  socket.on("item", (data) => items.push(data.i));
  const connects = [];
  socket.on("connect", () => connects.push({ id: socket.id, recovered: socket.recovered }));
  return { socket, ticks, items, connects };
}

/** Every tick from the first one received on, exactly once and in order. */
function checkTicks(ticks, label) {
  check(ticks.length > 0, `${label}: no ticks`);
  for (let i = 1; i < ticks.length; i++) {
    check(ticks[i] === ticks[i - 1] + 1, `${label}: tick ${ticks[i - 1]} followed by ${ticks[i]} (at #${i})`);
  }
}

async function cuts(base, transports) {
  const c = client(base, transports);
  await waitFor(() => c.connects.length === 1, 5000, "first connect");
  const firstId = c.socket.id;
  check(c.connects[0].recovered === false, "the first connect is not a recovery");
  await waitFor(() => c.ticks.length >= 10, 5000, "ticks before the first cut");
  let missedTotal = 0;
  for (let cut = 1; cut <= 2; cut++) {
    c.socket.emit("burst", 20);
    await waitFor(() => c.items.length >= 20 * cut, 5000, `burst ${cut}`);
    const before = c.ticks.length;
    c.socket.io.engine.close(); // the transport is cut; the client reconnects by itself
    await waitFor(() => c.connects.length === cut + 1, 5000, `reconnect ${cut}`);
    const back = c.connects[cut];
    check(back.recovered === true, `cut ${cut}: recovered is ${back.recovered}`);
    check(back.id === firstId, `cut ${cut}: id changed ${firstId} -> ${back.id}`);
    const last = c.ticks[c.ticks.length - 1];
    await waitFor(() => c.ticks.length >= before + 10, 5000, `ticks after reconnect ${cut}`);
    missedTotal += Math.max(0, last - c.ticks[before - 1]);
  }
  const echoed = await withTimeout(c.socket.emitWithAck("echo", "x", 1), 2000, "echo after recovery");
  check(echoed === "x", `echo: ${echoed}`);
  checkTicks(c.ticks, transports.join("+"));
  check(
    c.items.length === 40 && c.items.every((v, i) => v === (i % 20) + 1),
    `items: ${c.items.length}`,
  );
  c.socket.close();
  return { ticks: c.ticks.length, from: c.ticks[0], to: c.ticks.at(-1), reconnects: 2 };
}

async function deliberate(base) {
  const c = client(base, ["websocket"]);
  await waitFor(() => c.connects.length === 1 && c.ticks.length >= 3, 5000, "first ticks");
  const firstId = c.socket.id;
  c.socket.disconnect();
  await sleep(100);
  c.socket.connect();
  await waitFor(() => c.connects.length === 2, 5000, "reconnect");
  check(c.connects[1].recovered === false, `recovered after a deliberate disconnect`);
  check(c.connects[1].id !== firstId, "a new id");
  const n = c.ticks.length;
  await waitFor(() => c.ticks.length >= n + 3, 5000, "ticks in the new session");
  c.socket.close();
  return { newId: true };
}

/** A cut after `tamper` changed the client's recovery state: a fresh session. */
async function fresh(base, tamper, awayMs = 0) {
  const c = client(base, ["websocket"]);
  await waitFor(() => c.connects.length === 1 && c.ticks.length >= 3, 5000, "first ticks");
  const firstId = c.socket.id;
  tamper(c.socket);
  if (awayMs > 0) {
    c.socket.io.reconnectionDelay(awayMs);
    c.socket.io.reconnectionDelayMax(awayMs);
    c.socket.io.randomizationFactor(0); // exactly awayMs, not ±50%
  }
  c.socket.io.engine.close();
  await waitFor(() => c.connects.length === 2, 5000 + awayMs, "reconnect");
  check(c.connects[1].recovered === false, "recovered when it should not be");
  check(c.connects[1].id !== firstId, "same id for a fresh session");
  const n = c.ticks.length;
  await waitFor(() => c.ticks.length >= n + 3, 5000, "ticks in the new session");
  c.socket.close();
  return { fresh: true };
}

/** Cuts made by `cut(client)`: each must recover with every tick kept. */
async function recoverAfter(base, transports, cut, times) {
  const c = client(base, transports);
  await waitFor(() => c.connects.length === 1 && c.ticks.length >= 5, 5000, "first ticks");
  const firstId = c.socket.id;
  for (let k = 1; k <= times; k++) {
    const before = c.ticks.length;
    cut(c.socket);
    await waitFor(() => c.connects.length === k + 1, 10000, `reconnect ${k}`);
    check(c.connects[k].recovered === true, `cut ${k}: not recovered`);
    check(c.connects[k].id === firstId, `cut ${k}: id changed`);
    await waitFor(() => c.ticks.length >= before + 10, 5000, `ticks after reconnect ${k}`);
  }
  checkTicks(c.ticks, transports.join("+"));
  c.socket.close();
  return { ticks: c.ticks.length, cuts: times };
}

/** Stops answering the server's pings (once), so that the server times the session out. */
function mutePongs(socket) {
  const engine = socket.io.engine;
  const send = engine._sendPacket.bind(engine);
  engine._sendPacket = (type, ...rest) => (type === "pong" ? undefined : send(type, ...rest));
}

const SCENARIOS = {
  // For the log test: one recovery over WebSocket, an ack, then a deliberate disconnect;
  // prints the socket id and the recovery pid (which the server must never log).
  logs: async (base) => {
    const c = client(base, ["websocket"]);
    await waitFor(() => c.connects.length === 1 && c.ticks.length >= 5, 5000, "first ticks");
    const pid = c.socket._pid;
    check(typeof pid === "string" && pid.length > 0, `no pid: ${pid}`);
    c.socket.io.engine.close();
    await waitFor(() => c.connects.length === 2, 5000, "reconnect");
    check(c.connects[1].recovered === true, "not recovered");
    const echoed = await withTimeout(c.socket.emitWithAck("echo", "x"), 2000, "echo");
    check(echoed === "x", `echo: ${echoed}`);
    await waitFor(() => c.ticks.length >= 20, 5000, "more ticks");
    c.socket.disconnect();
    await sleep(100);
    return { id: c.connects[1].id, pid };
  },
  data: async (base) => {
    const c = client(base, ["websocket"]);
    await waitFor(() => c.connects.length === 1 && c.ticks.length >= 3, 5000, "first ticks");
    c.socket.emit("set-data", { name: "ada", n: 7 });
    const before = await withTimeout(c.socket.emitWithAck("get-data"), 2000, "get-data");
    check(before?.name === "ada", `data before: ${JSON.stringify(before)}`);
    c.socket.io.engine.close();
    await waitFor(() => c.connects.length === 2, 5000, "reconnect");
    check(c.connects[1].recovered === true, "not recovered");
    const after = await withTimeout(c.socket.emitWithAck("get-data"), 2000, "get-data after");
    check(after?.name === "ada" && after?.n === 7, `data after recovery: ${JSON.stringify(after)}`);
    c.socket.close();
    return { data: after };
  },
  "server-close": async (base) => ({
    websocket: await recoverAfter(base, ["websocket"], (s) => s.emit("drop-me"), 2),
    polling: await recoverAfter(base, ["polling"], (s) => s.emit("drop-me"), 2),
  }),
  "ping-timeout": async (base) => ({
    websocket: await recoverAfter(base, ["websocket"], mutePongs, 1),
    polling: await recoverAfter(base, ["polling"], mutePongs, 1),
  }),
  "bogus-offset": (base) => fresh(base, (s) => (s._lastOffset = "no-such-offset")),
  "unknown-pid": (base) => fresh(base, (s) => (s._pid = "AAAAAAAAAAAAAAAAAAAAAA")),
  expired: (base) => fresh(base, () => {}, 1500),
  websocket: (base) => cuts(base, ["websocket"]),
  polling: (base) => cuts(base, ["polling"]),
  deliberate,
};

runScenario(
  "recovery.mjs",
  Object.fromEntries(Object.entries(SCENARIOS).map(([name, f]) => [name, [f, 30000]])),
);
