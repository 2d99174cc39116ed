#!/usr/bin/env node
// Drives the real `@socket.io/redis-streams-adapter` 0.3.1 (on socket.io-adapter 2.5.9's
// ClusterAdapter) with a fake ioredis-style client that records the commands, for the
// byte-for-byte comparison with our codec (tests/tests/streams_codec_npm.rs).
//
// Usage: node streams-codec.mjs <cases.json>
//   cases.json: a JSON array; each case is {"kind", "uid", "nsp", ...} with kind one of
//     broadcast {event, args, rooms, except, volatile?, timeout?, ackId?}   (type 3, no requestId)
//     ackedBroadcast {requestId, event, args, rooms, except, volatile?, timeout}
//     join | leave {rooms, except, targets}                    (types 4, 5; targets = rooms joined)
//     disconnect {rooms, except, close}                        (type 6)
//     fetch {requestId, rooms, except, timeout?}                  (type 7)
//     serverSideEmit {requestId?, event, args}                 (type 9)
//     fetchResponse {requester, requestId, sockets}            (type 8)
//     serverSideEmitResponse | ack {requester, requestId, arg?} (types 10, 12)
//     clientCount {requester, requestId, clientCount}          (type 11)
//     session {sid, pid, rooms, data}                          (persistSession)
//   binary values anywhere as {"$bin":"<base64>"}.
// Prints a JSON array; per case the message as ClusterAdapter builds it went through the
// adapter's own code: {fields: [[name, value], ...] (its `encode`, what XADD writes),
// route: "xadd" | "publish" | "set", channel, hex (the Pub/Sub payload, or
// @msgpack/msgpack of the whole message when it went to the stream), set: [key, value]}.

import { readFileSync } from "node:fs";
import { encode } from "@msgpack/msgpack";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { fromWire } from "./lib/json-lines.mjs";

const calls = [];
const idle = () => new Promise(() => {});
const duplicate = () => ({
  options: {},
  on() {},
  subscribe() {},
  xread: idle,
  disconnect() {},
});
const client = {
  options: {},
  on() {},
  duplicate,
  // XADD: the adapter passes one array [stream, "MAXLEN", "~", n, "*", k, v, ...].
  xadd(args) {
    calls.push({ route: "xadd", args });
    return Promise.resolve("1-0");
  },
  publish(channel, payload) {
    calls.push({ route: "publish", channel, payload });
    return Promise.resolve(1);
  },
  set(key, value, px, ms) {
    calls.push({ route: "set", key, value, px, ms });
    return Promise.resolve("OK");
  },
};
const factory = createAdapter(client, {});
const adapters = new Map();
function adapterFor(name) {
  if (!adapters.has(name)) {
    const nsp = {
      name,
      server: {
        encoder: {},
        opts: { connectionStateRecovery: { maxDisconnectionDuration: 120000 } },
      },
    };
    adapters.set(name, factory(nsp));
  }
  return adapters.get(name);
}

// Flags in the order of `io.volatile.timeout(t)`.
const opts = (c) => {
  const flags = {};
  if (c.volatile) flags.volatile = true;
  if (c.timeout !== undefined) flags.timeout = c.timeout;
  return { rooms: [...c.rooms], except: [...c.except], flags };
};
const packet = (c) => {
  const p = { type: 2, data: [c.event, ...fromWire(c.args)] };
  if (c.ackId !== undefined) p.id = c.ackId;
  return p;
};

/** The message as ClusterAdapter builds it: {type, data}, then uid and nsp. */
function message(c) {
  switch (c.kind) {
    case "broadcast":
      return { type: 3, data: { packet: packet(c), opts: opts(c) } };
    case "ackedBroadcast":
      return { type: 3, data: { packet: packet(c), requestId: c.requestId, opts: opts(c) } };
    case "join":
    case "leave":
      return { type: c.kind === "join" ? 4 : 5, data: { opts: opts(c), rooms: c.targets } };
    case "disconnect":
      return { type: 6, data: { opts: opts(c), close: c.close } };
    case "fetch":
      return { type: 7, data: { opts: opts(c), requestId: c.requestId } };
    case "serverSideEmit": {
      const p = [c.event, ...fromWire(c.args)];
      const data = c.requestId === undefined ? { packet: p } : { requestId: c.requestId, packet: p };
      return { type: 9, data };
    }
    case "fetchResponse":
      return {
        type: 8,
        data: {
          requestId: c.requestId,
          // As ClusterAdapter maps the local sockets.
          sockets: c.sockets.map((s) => ({
            id: s.id,
            handshake: s.handshake,
            rooms: s.rooms,
            data: s.data,
          })),
        },
      };
    case "serverSideEmitResponse":
    case "ack": {
      const arg = c.arg === undefined ? undefined : fromWire(c.arg);
      return {
        type: c.kind === "ack" ? 12 : 10,
        data: { requestId: c.requestId, packet: arg },
      };
    }
    case "clientCount":
      return { type: 11, data: { requestId: c.requestId, clientCount: c.clientCount } };
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = cases.map((c) => {
  const adapter = adapterFor(c.nsp);
  calls.length = 0;
  if (c.kind === "session") {
    adapter.persistSession({ sid: c.sid, pid: c.pid, rooms: c.rooms, data: c.data });
    const [call] = calls;
    return { route: call.route, set: [call.key, call.value], px: call.px, ms: call.ms };
  }
  const m = message(c);
  // As publishAndReturnOffset / publishResponse: uid and nsp after type and data.
  m.uid = c.uid;
  m.nsp = c.nsp;
  const fields = Object.entries(adapter.encode(m));
  if (c.requester !== undefined) {
    adapter.doPublishResponse(c.requester, m);
  } else {
    adapter.doPublish(m);
  }
  const [call] = calls;
  if (call.route === "xadd") {
    const [, maxlen, approx, n, star, ...flat] = call.args;
    if (`${maxlen}${approx}${n}${star}` !== "MAXLEN~10000*") throw new Error("XADD form");
    const written = [];
    for (let i = 0; i < flat.length; i += 2) written.push([flat[i], flat[i + 1]]);
    if (JSON.stringify(written) !== JSON.stringify(fields)) throw new Error("XADD fields");
    return { route: "xadd", fields, hex: hex(encode(m)) };
  }
  return { route: call.route, channel: call.channel, fields, hex: hex(call.payload) };
});
// The fake client's reader never answers: exit once the output is flushed.
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
