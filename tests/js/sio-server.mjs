#!/usr/bin/env node
// A reference Socket.IO server (npm `socket.io`, pinned in package-lock.json) with a fixed
// behaviour, for testing Socket.IO CLIENTS against a server other than ours. The Rust harness
// is `tests/src/peers.rs` (`NodeServer`); `tests/py/sio_server.py` is the same server on
// python-socketio.
//
// Usage: node sio-server.mjs [--port N] [--cert FILE --key FILE]
//                            [--ping-interval MS] [--ping-timeout MS]
//   --port N          listen on 127.0.0.1:N (default 0: an ephemeral port; a test restarts the
//                     server on the same port with it)
//   --cert/--key      serve https/wss with this PEM certificate chain and key
//   --ping-*          Engine.IO heartbeat (default 25000 / 20000, as socket.io)
//   --parser msgpack  use socket.io-msgpack-parser (default: socket.io's JSON parser)
//
// Output (stdout), one line each:
//   listening <port>                                          once, when ready
//   {"event":"connect","nsp":..,"id":..,"sid":..,"recovered":..,"transport":..,"auth":..}
//   {"event":"upgrade","nsp":..,"id":..,"sid":..,"transport":"websocket"}
//   {"event":"disconnect","nsp":..,"id":..,"sid":..,"reason":..}
// where `id` is the Socket.IO socket id, `sid` the Engine.IO session id.
//
// Behaviour (the same on "/", "/admin" and every /^\/dyn-\w+$/ namespace):
//   - connection state recovery: maxDisconnectionDuration 2 min, skipMiddlewares true;
//   - on connection (recovered or not): emit("auth", handshake.auth) ({} when none was sent);
//   - any event sent with an ack is acked with its own arguments (binary kept), after the
//     event's behaviour below ran;
//   - "echo" ...args        -> emit("echo", ...args) (binary kept);
//   - "ask" ...args         -> socket.timeout(5000).emit("question", ...args, cb): what the
//                              client acks is emitted back as emit("answer", ...answers) (all its
//                              arguments; emitWithAck would keep the first only), or
//                              emit("answer", {error: message}) on timeout;
//   - "join" room / "leave" room
//   - "to-room" room, event, ...args -> nsp.to(room).emit(event, ...args) (the sender too, if
//                              in the room);
//   - "disconnect-me"       -> socket.disconnect() (client reason "io server disconnect");
//   - "close-transport"     -> socket.conn.close() (client reason "transport close"; it
//                              reconnects and recovers);
//   - "ticks" {count, every_ms} -> emits "tick" {seq} (seq = 1..count), one every `every_ms`
//                              ms, through nsp.to(socket.id): the packets are kept for
//                              recovery, so ticks emitted while the client is away arrive
//                              after it recovers;
//   - "binary" [n]          -> emit("binary", buf, {nested: buf}) where buf is a Buffer of n
//                              bytes (default 4), byte i = i % 256.
// With recovery on, socket.io appends the packet's offset (a string) as the last argument of
// every event it emits without an ack; a client sends the last one back with its `pid` in the
// auth of its next CONNECT (so a reconnection's echoed "auth" has `pid` and `offset`).
// "/admin" has a middleware: unless handshake.auth.token === "secret" the connection is refused
// with Error("unauthorized") and data {reason: "bad token"} (on the wire
// `44/admin,{"message":"unauthorized","data":{"reason":"bad token"}}`). Any other namespace is
// refused by socket.io with "Invalid namespace".

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttp } from "node:http";
import { createServer as createHttps } from "node:https";
import { Server } from "socket.io";

function parseArgs(argv) {
  const opts = { port: 0, cert: null, key: null, pingInterval: 25000, pingTimeout: 20000 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case "--port": opts.port = Number(value()); break;
      case "--cert": opts.cert = value(); break;
      case "--key": opts.key = value(); break;
      case "--ping-interval": opts.pingInterval = Number(value()); break;
      case "--ping-timeout": opts.pingTimeout = Number(value()); break;
      case "--parser":
        opts.parser = value();
        if (opts.parser !== "msgpack") usage(`unknown parser ${opts.parser} (msgpack only)`);
        break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!!opts.cert !== !!opts.key) usage("--cert and --key go together");
  return opts;
}

function usage(message) {
  console.error(`sio-server.mjs: ${message}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const httpServer = opts.cert
  ? createHttps({ cert: readFileSync(opts.cert), key: readFileSync(opts.key) })
  : createHttp();

const io = new Server(httpServer, {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  cors: { origin: "*" },
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
  ...(opts.parser ? { parser: createRequire(import.meta.url)("socket.io-msgpack-parser") } : {}),
});

const report = (line) => console.log(JSON.stringify(line));

function setup(nsp) {
  nsp.on("connection", (socket) => {
    const who = () => ({ nsp: socket.nsp.name, id: socket.id, sid: socket.conn.id });
    report({
      event: "connect",
      ...who(),
      recovered: socket.recovered,
      transport: socket.conn.transport.name,
      auth: socket.handshake.auth,
    });
    socket.conn.once("upgrade", (transport) => {
      if (socket.connected) report({ event: "upgrade", ...who(), transport: transport.name });
    });
    socket.on("disconnect", (reason) => report({ event: "disconnect", ...who(), reason }));
    socket.emit("auth", socket.handshake.auth);
    socket.onAny((event, ...all) => {
      const ack = typeof all[all.length - 1] === "function" ? all.pop() : null;
      behave(socket, event, all);
      if (ack) ack(...all);
    });
  });
}

function behave(socket, event, args) {
  switch (event) {
    case "echo":
      socket.emit("echo", ...args);
      break;
    case "ask":
      socket.timeout(5000).emit("question", ...args, (err, ...answers) => {
        if (err) socket.emit("answer", { error: err.message });
        else socket.emit("answer", ...answers);
      });
      break;
    case "join":
      socket.join(String(args[0]));
      break;
    case "leave":
      socket.leave(String(args[0]));
      break;
    case "to-room": {
      const [room, name, ...rest] = args;
      socket.nsp.to(String(room)).emit(String(name), ...rest);
      break;
    }
    case "disconnect-me":
      socket.disconnect();
      break;
    case "close-transport":
      socket.conn.close();
      break;
    case "ticks": {
      const { count = 1, every_ms: every = 50 } = args[0] ?? {};
      // The id survives a recovery, so the room does: ticks sent while the client is away are
      // kept and replayed.
      const { nsp, id } = socket;
      let seq = 0;
      if (!(count > 0)) break;
      const timer = setInterval(() => {
        seq += 1;
        nsp.to(id).emit("tick", { seq });
        if (seq >= count) clearInterval(timer);
      }, every);
      break;
    }
    case "binary": {
      const n = Number.isInteger(args[0]) ? args[0] : 4;
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = i % 256;
      socket.emit("binary", buf, { nested: buf });
      break;
    }
    default:
      break;
  }
}

setup(io.of("/"));
const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") return next();
  const err = new Error("unauthorized");
  err.data = { reason: "bad token" };
  next(err);
});
setup(admin);
setup(io.of(/^\/dyn-\w+$/));

httpServer.listen(opts.port, "127.0.0.1", () => {
  console.log(`listening ${httpServer.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
