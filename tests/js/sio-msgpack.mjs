#!/usr/bin/env node
// Socket.IO with `socket.io-msgpack-parser` 3.0.2: the official socket.io-client 4.8.4 with
// `parser: require("socket.io-msgpack-parser")` against a server that uses the msgpack parser.
//
// Usage: node sio-msgpack.mjs <scenario> <base-url>
//
// Scenarios `connect` .. `many` are those of sio.mjs (the feature server, see README.md),
// run with every client on the msgpack parser (`useParser`; the raw CONNECTs of `multiplex`
// and `middleware` are msgpack too). `recovery-websocket` / `recovery-polling` run against the
// recovery example (`tick` {seq} to room `all` every 20 ms; `echo` acked): the transport is cut,
// the client comes back recovered with the same id, and every tick from its first on arrives
// exactly once and in order (missed ones replayed). `wire` checks that every packet the server
// sends is one binary message (no text, no attachments).
//
// Prints `ok <scenario> <json details>` and exits 0, or the reason on stderr and exits 1.

import { createRequire } from "node:module";
import { io } from "socket.io-client";
import { useParser } from "./lib/sio-peer.mjs";
import { SCENARIOS } from "./lib/sio-scenarios.mjs";
import { check, runScenario, waitFor, withTimeout } from "./lib/util.mjs";

const parser = createRequire(import.meta.url)("socket.io-msgpack-parser");
useParser(parser);

/** Cuts the transport twice; each time the client recovers and misses no tick. */
async function recovery(base, transports) {
  const socket = io(base, { transports, parser, reconnectionDelay: 50, reconnectionDelayMax: 100 });
  const ticks = [];
  const connects = [];
  socket.on("tick", (data) => ticks.push(data.seq));
  socket.on("connect", () => connects.push({ id: socket.id, recovered: socket.recovered }));
  await waitFor(() => connects.length === 1 && ticks.length >= 5, 5000, "first ticks");
  const firstId = socket.id;
  for (let cut = 1; cut <= 2; cut++) {
    const before = ticks.length;
    socket.io.engine.close();
    await waitFor(() => connects.length === cut + 1, 5000, `reconnect ${cut}`);
    check(connects[cut].recovered === true, `cut ${cut}: recovered is ${connects[cut].recovered}`);
    check(connects[cut].id === firstId, `cut ${cut}: id changed`);
    await waitFor(() => ticks.length >= before + 10, 5000, `ticks after cut ${cut}`);
  }
  for (let i = 1; i < ticks.length; i++) {
    check(ticks[i] === ticks[i - 1] + 1, `tick ${ticks[i - 1]} followed by ${ticks[i]}`);
  }
  const echoed = await withTimeout(socket.emitWithAck("echo", "x", 1), 2000, "echo after recovery");
  check(echoed === "x", `echo: ${echoed}`);
  socket.close();
  return { ticks: ticks.length, from: ticks[0], to: ticks.at(-1) };
}

/** Every message the server sends on a WebSocket is binary, one per packet. */
async function wire(base) {
  const socket = io(base, { transports: ["websocket"], parser, forceNew: true });
  const kinds = new Set();
  socket.io.on("open", () => socket.io.engine.on("message", (m) => kinds.add(typeof m === "string" ? "text" : "binary")));
  await withTimeout(new Promise((resolve) => socket.once("welcome", resolve)), 5000, "welcome");
  const reply = await withTimeout(socket.emitWithAck("echo", Buffer.from([1, 2]), { b: [Buffer.from([3])] }), 3000, "echo");
  // emitWithAck resolves with the first argument of the ack.
  check(Buffer.isBuffer(reply) && reply.equals(Buffer.from([1, 2])), `echo: ${JSON.stringify(reply)}`);
  check(kinds.size === 1 && kinds.has("binary"), `messages: ${[...kinds]}`);
  socket.close();
  return { kinds: [...kinds] };
}

runScenario("sio-msgpack.mjs", {
  ...SCENARIOS,
  "recovery-websocket": [(base) => recovery(base, ["websocket"]), 20000],
  "recovery-polling": [(base) => recovery(base, ["polling"]), 20000],
  wire: [wire, 10000],
});
