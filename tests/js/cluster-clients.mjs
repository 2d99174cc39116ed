#!/usr/bin/env node
// A set of named `socket.io-client` 4.8.4 clients in one process, driven by JSON-line
// commands, for the cluster tests (Rust harness: `tests/src/cluster.rs`, `ClusterClients`).
// Each client has a connection of its own (forceNew) and the client's defaults otherwise
// (reconnection on).
//
// Usage: node cluster-clients.mjs
//
// Commands (stdin, one JSON object a line, each with an "id"; the answer is one line
// {"reply":<id>,"ok":true|false,...} on stdout; binary anywhere as {"$bin":"<base64>"}):
//   {"op":"connect","name":"a1","url":"http://127.0.0.1:P","nsp":"/","transports":["websocket"],
//    "auth":{...}}  -> {"ok":true,"sid":"<socket id>"} once connected, or {"ok":false,"error"}
//                      on the first connect_error (the client is then closed and forgotten)
//   {"op":"emit","name":"a1","event":"e","args":[..],"ack":bool,"timeout":ms}
//                   -> {"ok":true}; with "ack": {"ok":true,"args":[..the ack's arguments]} or
//                      {"ok":false,"error"} when no ack came within "timeout" (default 5000)
//   {"op":"close","name":"a1"} -> {"ok":true} (socket.disconnect(); the client is forgotten)
// Events (stdout, one JSON line each):
//   {"event":"recv","name":"a1","ev":"e","args":[..],"acked":bool}  every event a client gets;
//       when the server asked for an ack the client answers {"from":"a1"} and acked is true
//   {"event":"connect","name":"a1","sid":".."}       every connection, the first one included
//   {"event":"disconnect","name":"a1","reason":".."}
// stdin closing exits the process.

import { io } from "socket.io-client";
import { fromWire, print, serveCommands, splitAck } from "./lib/json-lines.mjs";

/** name -> socket.io-client Socket */
const clients = new Map();

function client(name) {
  const socket = clients.get(name);
  if (!socket) throw new Error(`no client named ${JSON.stringify(name)}`);
  return socket;
}

const OPS = {
  connect(cmd) {
    const { name } = cmd;
    if (clients.has(name)) throw new Error(`client ${JSON.stringify(name)} exists already`);
    const socket = io(`${cmd.url}${cmd.nsp ?? "/"}`, {
      forceNew: true,
      transports: cmd.transports,
      auth: cmd.auth ?? {},
    });
    clients.set(name, socket);
    socket.onAny((ev, ...all) => {
      const [args, ack] = splitAck(all);
      print({ event: "recv", name, ev, args, acked: !!ack });
      ack?.({ from: name });
    });
    socket.on("connect", () => print({ event: "connect", name, sid: socket.id }));
    socket.on("disconnect", (reason) => print({ event: "disconnect", name, reason }));
    return new Promise((resolve) => {
      const done = (answer) => {
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
        resolve(answer);
      };
      const onConnect = () => done({ sid: socket.id });
      const onError = (err) => {
        socket.disconnect();
        clients.delete(name);
        done({ ok: false, error: err.message });
      };
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
    });
  },
  emit(cmd) {
    const socket = client(cmd.name);
    const args = fromWire(cmd.args ?? []);
    if (!cmd.ack) {
      socket.emit(cmd.event, ...args);
      return undefined;
    }
    return new Promise((resolve) => {
      socket.timeout(cmd.timeout ?? 5000).emit(cmd.event, ...args, (err, ...reply) => {
        resolve(err ? { ok: false, error: err.message } : { args: reply });
      });
    });
  },
  close(cmd) {
    client(cmd.name).disconnect();
    clients.delete(cmd.name);
  },
};

serveCommands((cmd) => {
  const op = OPS[cmd.op];
  if (!op) throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  return op(cmd);
}, () => process.exit(0));
