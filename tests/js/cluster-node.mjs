#!/usr/bin/env node
// A controllable member of a Redis cluster of Socket.IO servers: npm `socket.io` 4.8.4 with
// `@socket.io/redis-adapter` 8.3.0 (the classic Pub/Sub adapter) or
// `@socket.io/redis-streams-adapter` 0.3.1, on node-redis 4.7.1. The Rust harness is
// `tests/src/cluster.rs` (`ClusterMember`); our member with the same protocol is
// `tests/src/bin/cluster_member.rs`; the clients that talk to it, `cluster-clients.mjs` and
// `tick-clients.mjs`.
//
// Usage: node cluster-node.mjs <redis-url> [--key K] [--requests-timeout MS]
//            [--adapter classic|streams] [--recovery-window MS]
//   --key K                the adapter's channel prefix (default "socket.io"; the streams
//                          adapter's channelPrefix)
//   --requests-timeout MS  the adapter's requestsTimeout (default 5000; classic adapter only)
//   --adapter A            "classic" (default) or "streams" (one node-redis client; the adapter
//                          duplicates it for its stream reader and its subscriptions)
//   --recovery-window MS   connection state recovery on: connectionStateRecovery
//                          {maxDisconnectionDuration: MS, skipMiddlewares: true} (default off)
//
// Listens on 127.0.0.1, an ephemeral port, with namespaces "/" and "/chat" created at start.
// stdout: `listening <port>` once ready, then one JSON line each (binary values anywhere as
// {"$bin":"<base64>"}):
//   {"event":"connect","nsp","id","name","recovered"}   a socket connected (name: auth.name;
//                                                  recovered: socket.recovered)
//   {"event":"client-event","nsp","id","name","ev","args"}   an event from a client
//   {"event":"server-side","nsp","ev","args"}      a serverSideEmit from another member
//   {"event":"disconnect","nsp","id","reason"}
//   {"event":"redis","client":"pub"|"sub","state":"ready"|"reconnecting"|"end"}
//   {"event":"unhandled-rejection","error"}        logged instead of ending the process
//   {"reply":<id>, "ok":true|false, ...}           the answer to a command
// Behaviour, the same on both namespaces:
//   - on connection: socket.data = auth.data ?? {}; joins every room in auth.rooms ?? []; a
//     recovered socket keeps the data and rooms it recovered instead;
//   - client events "join" room / "leave" room join / leave, "setData" value sets socket.data;
//     an event sent with an ack is
//     answered "ok" (after the join/leave);
//   - a server-side event whose last argument is a callback is answered
//     {"from":"node","port":<own port>}.
// Commands (stdin, one JSON object a line, each with an "id"; `to`/`except` are room lists,
// `nsp` defaults to "/"; `args` may hold {"$bin":"<base64>"} for a Buffer):
//   {"op":"emit","nsp","to","except","event","args","volatile":bool,"local":bool} -> {"ok":true}
//   {"op":"emitWithAck",...emit's fields,"timeout":ms}  -> {"ok":true,"responses":[..]} or
//       {"ok":false,"error":"operation has timed out","responses":[..received so far]}
//   {"op":"socketsJoin"|"socketsLeave","nsp","to","except","rooms":[..]} -> {"ok":true}
//   {"op":"disconnectSockets","nsp","to","except","close":bool}         -> {"ok":true}
//       (these three only publish: the adapter applies them, on this member too, when Redis
//       echoes the request back, so the reply comes before the effect)
//   {"op":"fetchSockets","nsp","to","except"} -> {"ok":true,"sockets":[{"id","rooms","data",
//       "handshake"}]} (rooms as arrays) or {"ok":false,"error"}
//   {"op":"serverSideEmit","nsp","event","args"[,"ack":true]} -> {"ok":true} without ack;
//       with ack {"ok":true,"responses":[..]} or {"ok":false,"error","responses":[..]} (the
//       wait is the adapter's requestsTimeout: the classic adapter has no per-call timeout)
//   {"op":"serverCount","nsp"} -> {"ok":true,"count":N}
//   {"op":"allRooms","nsp"}    -> {"ok":true,"rooms":[..]} (sorted; socket-id rooms included)
//   {"op":"ticker","nsp","to","event","every":ms} -> {"ok":true}: from now on emits
//       `event` {"seq":N} (N = 1, 2, ...) to the rooms `to` every `every` ms; one ticker at a
//       time ({"ok":false} while one runs)
//   {"op":"stopTicker"}        -> {"ok":true,"last":N} (the last seq emitted; 0 if none)
//   {"op":"close"}             -> {"ok":true}, then io.close() and exit 0 (with recovery on,
//       the sockets are disconnected with "server shutting down": the streams adapter
//       persists their sessions)
// Redis client errors go to stderr; the clients reconnect for ever (node-redis resubscribes
// the adapter's channels itself). stdin closing exits the process.

import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { fromWire, print, serveCommands, splitAck } from "./lib/json-lines.mjs";

const NAMESPACES = ["/", "/chat"];

function parseArgs(argv) {
  const [url, ...flags] = argv;
  if (!url || url.startsWith("--")) usage("the Redis URL comes first");
  const opts = { url, key: "socket.io", requestsTimeout: 5000, adapter: "classic", recovery: 0 };
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i], flags[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--key") opts.key = value;
    else if (flag === "--requests-timeout") opts.requestsTimeout = Number(value);
    else if (flag === "--adapter" && ["classic", "streams"].includes(value)) opts.adapter = value;
    else if (flag === "--recovery-window") opts.recovery = Number(value);
    else usage(`unknown argument ${flag}`);
  }
  return opts;
}

function usage(message) {
  console.error(`cluster-node.mjs: ${message}`);
  console.error(
    "usage: node cluster-node.mjs <redis-url> [--key K] [--requests-timeout MS] " +
      "[--adapter classic|streams] [--recovery-window MS]",
  );
  process.exit(2);
}

/** A node-redis client that logs its errors and reconnects for ever, quickly. */
function redisClient(url, name) {
  const client = createClient({
    url,
    socket: { reconnectStrategy: (retries) => Math.min(50 + retries * 50, 300) },
  });
  client.on("error", (e) => console.error(`redis ${name}: ${e?.message ?? e}`));
  client.on("ready", () => print({ event: "redis", client: name, state: "ready" }));
  client.on("reconnecting", () => print({ event: "redis", client: name, state: "reconnecting" }));
  client.on("end", () => print({ event: "redis", client: name, state: "end" }));
  return client;
}

// The adapter never awaits or catches its PUBLISH promises: one rejected (a command in flight
// when the Redis connection breaks) would end the process as an unhandled rejection.
process.on("unhandledRejection", (e) => {
  console.error(`unhandled rejection: ${e?.stack ?? e}`);
  print({ event: "unhandled-rejection", error: e?.message ?? String(e) });
});

const opts = parseArgs(process.argv.slice(2));
const streams = opts.adapter === "streams";
const pub = redisClient(opts.url, "pub");
// The streams adapter makes its own subscriber (and reader) from `pub`.
const sub = streams ? null : redisClient(opts.url, "sub");
const clients = sub ? [pub, sub] : [pub];
await Promise.all(clients.map((c) => c.connect()));

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter: streams
    ? createStreamsAdapter(pub, { channelPrefix: opts.key })
    : createAdapter(pub, sub, { key: opts.key, requestsTimeout: opts.requestsTimeout }),
  ...(opts.recovery > 0 && {
    connectionStateRecovery: { maxDisconnectionDuration: opts.recovery, skipMiddlewares: true },
  }),
});
let port = 0;

for (const name of NAMESPACES) setUp(io.of(name));

function setUp(nsp) {
  nsp.on("connection", (socket) => {
    const auth = socket.handshake.auth ?? {};
    const name = auth.name;
    if (!socket.recovered) {
      socket.data = auth.data ?? {};
      socket.join(auth.rooms ?? []);
    }
    print({ event: "connect", nsp: nsp.name, id: socket.id, name, recovered: socket.recovered });
    socket.onAny((ev, ...all) => {
      const [args, ack] = splitAck(all);
      print({ event: "client-event", nsp: nsp.name, id: socket.id, name, ev, args });
      if (ev === "join") socket.join(args[0]);
      if (ev === "leave") socket.leave(args[0]);
      if (ev === "setData") socket.data = args[0];
      ack?.("ok");
    });
    socket.on("disconnect", (reason) => {
      print({ event: "disconnect", nsp: nsp.name, id: socket.id, reason });
    });
  });
  // Server-side events have no catch-all listener: every one the adapter receives goes
  // through this (socket.io 4.8.4's Namespace#_onServerSideEmit, which emits it on `nsp`).
  if (typeof nsp._onServerSideEmit !== "function") {
    throw new Error("socket.io's Namespace#_onServerSideEmit is gone: update cluster-node.mjs");
  }
  nsp._onServerSideEmit = (all) => {
    const [ev, ...rest] = all;
    const [args, ack] = splitAck(rest);
    print({ event: "server-side", nsp: nsp.name, ev, args });
    ack?.({ from: "node", port });
  };
}

/** The broadcast operator of a command: namespace, `to`, `except`, flags. */
function target(cmd) {
  let op = io.of(cmd.nsp ?? "/").to(cmd.to ?? []).except(cmd.except ?? []);
  if (cmd.volatile) op = op.volatile;
  if (cmd.local) op = op.local;
  return op;
}

/** The command's event and arguments (binary decoded). */
const eventArgs = (cmd) => [cmd.event, ...fromWire(cmd.args ?? [])];

/** The running ticker: its timer and the last seq emitted. */
let ticker = null;
let lastTick = 0;

const OPS = {
  emit(cmd) {
    target(cmd).emit(...eventArgs(cmd));
  },
  emitWithAck(cmd) {
    return new Promise((resolve) => {
      target(cmd)
        .timeout(cmd.timeout ?? 5000)
        .emit(...eventArgs(cmd), (err, responses) => {
          resolve(err
            ? { ok: false, error: err.message, responses: responses ?? [] }
            : { responses });
        });
    });
  },
  socketsJoin(cmd) {
    target(cmd).socketsJoin(cmd.rooms);
  },
  socketsLeave(cmd) {
    target(cmd).socketsLeave(cmd.rooms);
  },
  disconnectSockets(cmd) {
    target(cmd).disconnectSockets(!!cmd.close);
  },
  async fetchSockets(cmd) {
    const sockets = await target(cmd).fetchSockets();
    return {
      sockets: sockets.map((s) => ({
        id: s.id,
        rooms: [...s.rooms].sort(),
        data: s.data,
        handshake: s.handshake,
      })),
    };
  },
  serverSideEmit(cmd) {
    const nsp = io.of(cmd.nsp ?? "/");
    if (!cmd.ack) {
      nsp.serverSideEmit(...eventArgs(cmd));
      return undefined;
    }
    return new Promise((resolve) => {
      nsp.serverSideEmit(...eventArgs(cmd), (err, responses) => {
        resolve(err
          ? { ok: false, error: err.message, responses: responses ?? [] }
          : { responses });
      });
    });
  },
  async serverCount(cmd) {
    return { count: await io.of(cmd.nsp ?? "/").adapter.serverCount() };
  },
  async allRooms(cmd) {
    return { rooms: [...(await io.of(cmd.nsp ?? "/").adapter.allRooms())].sort() };
  },
  ticker(cmd) {
    if (ticker) throw new Error("a ticker runs already");
    const op = target(cmd);
    lastTick = 0;
    ticker = setInterval(() => {
      lastTick += 1;
      op.emit(cmd.event ?? "tick", { seq: lastTick });
    }, cmd.every);
  },
  stopTicker() {
    clearInterval(ticker);
    ticker = null;
    return { last: lastTick };
  },
  close() {
    // Reply first, then close and exit.
    setImmediate(async () => {
      clearInterval(ticker);
      await io.close();
      await Promise.allSettled(clients.map((c) => c.quit()));
      process.exit(0);
    });
  },
};

httpServer.listen(0, "127.0.0.1", () => {
  port = httpServer.address().port;
  console.log(`listening ${port}`);
  serveCommands((cmd) => {
    const op = OPS[cmd.op];
    if (!op) throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
    return op(cmd);
  }, () => process.exit(0));
});
