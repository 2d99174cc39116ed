#!/usr/bin/env node
// Compression driver: the npm engine.io-client against an Engine.IO echo
// server at /engine.io/, with large (compressible) and small messages.
//
// Usage: node compression.mjs <polling|websocket> <base-url>
//
// - polling: long-polling with engine.io-client's Fetch transport (Node's
//   fetch sends Accept-Encoding and inflates gzip/deflate responses);
// - websocket: WebSocket only with Node's `ws` (it offers permessage-deflate;
//   engine.io-client compresses its messages from 1024 bytes when the
//   server accepts).
//
// Every message must come back exactly, in order. Prints `ok <scenario>
// {"payloadBytes":N,"extensions":"..."}`: the bytes of message payloads the
// server sent (the Rust test compares them with what crossed its counting
// proxy), and the WebSocket extensions negotiated ("" if none).

import { Fetch, NodeWebSocket, Socket } from "engine.io-client";
import { check, checkPayloads, runScenario, withTimeout } from "./lib/util.mjs";

/** `n` characters of words picked by a small LCG: compressible, not repetitive. */
function words(n, seed) {
  const vocab = ["socket", "engine", "deflate", "gzip", "message", "payload", "polling",
    "frame", "client", "server", "zlib", "window", "é", "€", "→"];
  let x = seed;
  let s = "";
  while (s.length < n) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += vocab[x % vocab.length] + " ";
  }
  return s.slice(0, n);
}

/** The messages: small and large, text and binary, below and above 1024 bytes. */
function messages() {
  return [
    "small",
    words(1000, 1),
    words(20000, 2),
    Buffer.from(words(30000, 3)),
    Buffer.from([1, 2, 3]),
    words(200000, 4),
    Buffer.from(words(100000, 5)),
  ];
}

const size = (m) => (typeof m === "string" ? Buffer.byteLength(m) : m.length);

async function run(base, transport, label) {
  const socket = new Socket(`${base}/engine.io/`, { transports: [transport], upgrade: false });
  const inbox = [];
  let waiter = null;
  socket.on("message", (m) => {
    inbox.push(m);
    if (waiter) waiter();
  });
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  }), 5000, "open");
  const sent = messages();
  for (const m of sent) {
    const want = inbox.length + 1;
    socket.send(m);
    await withTimeout(new Promise((resolve) => {
      waiter = () => inbox.length >= want && resolve();
      waiter();
    }), 10000, `echo of a ${size(m)}-byte message`);
  }
  checkPayloads(inbox.map((m) => (typeof m === "string" ? m : Buffer.from(m))), sent, label);
  const extensions = socket.transport.ws ? String(socket.transport.ws.extensions ?? "") : "";
  check(socket.transport.name === label, `${label}: on ${socket.transport.name}`);
  socket.close();
  return { payloadBytes: sent.reduce((n, m) => n + size(m), 0), extensions };
}

runScenario("compression.mjs", {
  polling: [(base) => run(base, Fetch, "polling"), 30000],
  websocket: [(base) => run(base, NodeWebSocket, "websocket"), 30000],
});
