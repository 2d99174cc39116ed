#!/usr/bin/env node
// Encodes cluster messages with notepack.io 3.0.1 (the msgpack codec of
// @socket.io/redis-adapter), for the byte-for-byte comparison with our codec
// (tests/tests/cluster_codec_npm.rs).
//
// Usage: node notepack.mjs <cases.json>
//   cases.json: a JSON array; each case is one of
//     {"kind":"broadcast","uid","nsp","event","args","rooms","except","volatile"}
//     {"kind":"request7","uid","requestId","nsp","event","args","rooms","except","timeout"}
//     {"kind":"ack9","requestId","arg"}
//   binary values anywhere as {"$bin":"<base64>"}.
// Prints a JSON array: per case, the hex of notepack.encode(message).

import { readFileSync } from "node:fs";
import notepack from "notepack.io";
import { fromWire } from "./lib/json-lines.mjs";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = cases.map((c) => {
  let message;
  if (c.kind === "broadcast") {
    const packet = { type: 2, data: [c.event, ...fromWire(c.args)], nsp: c.nsp };
    const flags = c.volatile ? { volatile: true } : {};
    message = [c.uid, packet, { rooms: c.rooms, except: c.except, flags }];
  } else if (c.kind === "request7") {
    message = {
      uid: c.uid,
      requestId: c.requestId,
      type: 7,
      packet: { type: 2, data: [c.event, ...fromWire(c.args)], nsp: c.nsp },
      opts: { rooms: c.rooms, except: c.except, flags: { timeout: c.timeout } },
    };
  } else if (c.kind === "ack9") {
    message = { type: 9, requestId: c.requestId, packet: fromWire(c.arg) };
  } else {
    throw new Error(`unknown kind ${c.kind}`);
  }
  return Buffer.from(notepack.encode(message)).toString("hex");
});
process.stdout.write(`${JSON.stringify(out)}\n`);
