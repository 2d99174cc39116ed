#!/usr/bin/env node
// Writes the seed corpus of the `socket_msgpack` fuzz target: packets as
// socket.io-msgpack-parser 3.0.2's Encoder writes them (notepack.io 3.0.1), the shapes the
// official client and server send, plus a few the npm Decoder refuses.
//
// Usage: node msgpack-seeds.mjs <dir>   (e.g. ../../sio-fuzz/corpus/socket_msgpack)
// Each seed is a file named by the SHA-1 of its bytes.

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const parser = createRequire(import.meta.url)("socket.io-msgpack-parser");
const encoder = new parser.Encoder();
const dir = process.argv[2];
if (!dir) {
  console.error("usage: node msgpack-seeds.mjs <dir>");
  process.exit(2);
}
const buf = (n, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 256));
const options = { compress: true };

const packets = [
  // What the client sends.
  { type: 0, data: undefined, nsp: "/" },
  { type: 0, data: { token: "abc", n: 1 }, nsp: "/admin" },
  { type: 0, data: { pid: "x1y2", offset: "1-0", token: "t" }, nsp: "/" },
  { type: 2, data: ["hello"], options, nsp: "/" },
  { type: 2, data: ["echo", 1, "two", { three: [3] }], id: 0, options, nsp: "/" },
  { type: 2, data: ["bin", buf(3), { nested: [buf(1), buf(300, 1)] }], id: 42, options, nsp: "/chat" },
  { type: 3, data: [], id: 7, nsp: "/" },
  { type: 3, data: [buf(70000, 2)], id: 2 ** 53 - 1, nsp: "/" },
  { type: 1, nsp: "/custom" },
  // What the server sends.
  { type: 0, data: { sid: "oSO0OpakMV_3jnilAAAA", pid: "p" }, nsp: "/" },
  { type: 4, data: { message: "Invalid namespace" }, nsp: "/nope" },
  { type: 4, data: { message: "unauthorized", data: { reason: "bad token" } }, nsp: "/admin" },
  { type: 4, data: "a string reason", nsp: "/" },
  { type: 2, data: ["tick", { seq: 1 }, "1733480000000-0"], nsp: "/" },
  // Every msgpack form notepack writes.
  {
    type: 2,
    data: [
      "values", null, true, false, 0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 53 - 1,
      -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31) - 1, 1.5, -0.25, 1e300, NaN, Infinity,
      "", "€ ✓ 日本 😀", "x".repeat(40), "y".repeat(300), "z".repeat(70000),
      new Date(0), [], {}, Array.from({ length: 20 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      [[[[[["deep"]]]]]], { a: { b: { c: undefined, d: [undefined] } } }, buf(0),
    ],
    nsp: "/",
  },
  { type: 2, data: ["ünïcødé event", "line\nbreak"], nsp: "/ns-ü" },
  { type: 3, data: [{ _placeholder: true, num: 0 }], id: 1, nsp: "/" },
  // Refused by the npm Decoder.
  { type: 5, data: ["x"], nsp: "/" },
  { type: 2, data: ["x"] },
  { type: 2, data: "not an array", nsp: "/" },
  { type: 0, data: [1], nsp: "/" },
  { type: 1, data: {}, nsp: "/" },
  { type: 3, data: [], id: -1, nsp: "/" },
  { type: 3, data: [], id: 1.5, nsp: "/" },
  { type: "2", data: ["x"], nsp: "/" },
  [2, ["x"], "/"],
];

mkdirSync(dir, { recursive: true });
let n = 0;
for (const packet of packets) {
  for (const part of encoder.encode(packet)) {
    const bytes = Buffer.from(part);
    writeFileSync(join(dir, createHash("sha1").update(bytes).digest("hex")), bytes);
    n++;
  }
}
console.log(`wrote ${n} seeds to ${dir}`);
