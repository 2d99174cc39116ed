#!/usr/bin/env node
// A controllable member of a Redis cluster of Socket.IO servers: npm `socket.io` 4.8.4 with
// `@socket.io/redis-adapter` 8.3.0 (the classic Pub/Sub adapter) on node-redis 4.7.1. The Rust
// harness is `tests/src/cluster.rs` (`NodeClusterServer`); the clients that talk to it,
// `cluster-clients.mjs`.
//
// Usage: node cluster-node.mjs <redis-url> [--key K] [--requests-timeout MS]
//   --key K                the adapter's channel prefix (default "socket.io")
//   --requests-timeout MS  the adapter's requestsTimeout (default 5000)
//
// Listens on 127.0.0.1, an ephemeral port, with namespaces "/" and "/chat" created at start.
// stdout: `listening <port>` once ready, then one JSON line each (binary values anywhere as
// {"$bin":"<base64>"}):
//   {"event":"connect","nsp","id","name"}          a socket connected (name: auth.name)
//   {"event":"client-event","nsp","id","name","ev","args"}   an event from a client
//   {"event":"server-side","nsp","ev","args"}      a serverSideEmit from another member
//   {"event":"disconnect","nsp","id","reason"}
//   {"event":"redis","client":"pub"|"sub","state":"ready"|"reconnecting"|"end"}
//   {"event":"unhandled-rejection","error"}        logged instead of ending the process
//   {"reply":<id>, "ok":true|false, ...}           the answer to a command
// Behaviour, the same on both namespaces:
//   - on connection: socket.data = auth.data ?? {}; joins every room in auth.rooms ?? [];
//   - client events "join" room / "leave" room join / leave; an event sent with an ack is
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
//   {"op":"close"}             -> {"ok":true}, then io.close() and exit 0
// Redis client errors go to stderr; the clients reconnect for ever (node-redis resubscribes
// the adapter's channels itself). stdin closing exits the process.

import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { fromWire, print, serveCommands, splitAck } from "./lib/json-lines.mjs";

const NAMESPACES = ["/", "/chat"];

function parseArgs(argv) {
  const [url, ...flags] = argv;
  if (!url || url.startsWith("--")) usage("the Redis URL comes first");
  const opts = { url, key: "socket.io", requestsTimeout: 5000 };
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i], flags[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--key") opts.key = value;
    else if (flag === "--requests-timeout") opts.requestsTimeout = Number(value);
    else usage(`unknown argument ${flag}`);
  }
  return opts;
}

function usage(message) {
  console.error(`cluster-node.mjs: ${message}`);
  console.error("usage: node cluster-node.mjs <redis-url> [--key K] [--requests-timeout MS]");
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
const pub = redisClient(opts.url, "pub");
const sub = redisClient(opts.url, "sub");
await Promise.all([pub.connect(), sub.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter: createAdapter(pub, sub, { key: opts.key, requestsTimeout: opts.requestsTimeout }),
});
let port = 0;

for (const name of NAMESPACES) setUp(io.of(name));

function setUp(nsp) {
  nsp.on("connection", (socket) => {
    const auth = socket.handshake.auth ?? {};
    const name = auth.name;
    socket.data = auth.data ?? {};
    socket.join(auth.rooms ?? []);
    print({ event: "connect", nsp: nsp.name, id: socket.id, name });
    socket.onAny((ev, ...all) => {
      const [args, ack] = splitAck(all);
      print({ event: "client-event", nsp: nsp.name, id: socket.id, name, ev, args });
      if (ev === "join") socket.join(args[0]);
      if (ev === "leave") socket.leave(args[0]);
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
  close() {
    // Reply first, then close and exit.
    setImmediate(async () => {
      await io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
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
