#!/usr/bin/env node
// The conformance server's /socket.io/ endpoint, as the protocol test suite describes it:
// `auth` on connect (/ and /custom), `message` -> `message-back`, `message-with-ack` acked
// with its arguments, only / and /custom exist, connect timeout 1000 ms.
//
// Usage: node sio-conformance.mjs <http://host:port> [msgpack]
// With `msgpack`, the clients use `socket.io-msgpack-parser` (the server's `PARSER=msgpack`).
// Prints `ok sio-conformance <json>` and exits 0, or the reason on stderr and exits 1.

import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { check, checkPayload, sleep, withTimeout } from "./lib/util.mjs";

const PARSER = process.argv[3] === "msgpack" ? { parser: msgpackParser } : {};

const once = (socket, event, ms, what) =>
  withTimeout(new Promise((resolve) => socket.once(event, (...args) => resolve(args))), ms, what);

function deepCheck(got, want, context) {
  if (want instanceof Uint8Array) return checkPayload(got, want, context);
  if (Array.isArray(want)) {
    check(Array.isArray(got) && got.length === want.length, `${context}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    return want.forEach((w, i) => deepCheck(got[i], w, `${context}[${i}]`));
  }
  if (want && typeof want === "object") {
    for (const k of Object.keys(want)) deepCheck(got?.[k], want[k], `${context}.${k}`);
    return;
  }
  check(got === want, `${context}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

async function transport(base, transports) {
  const label = transports.join("+");
  const opts = { transports, forceNew: true, reconnection: false, ...PARSER };
  const main = io(base, { ...opts, auth: { token: "abc" } });
  const [auth] = await once(main, "auth", 5000, `${label}: auth on /`);
  deepCheck(auth, { token: "abc" }, `${label}: auth`);

  const args = ["text €", 42, { nested: { list: [1, 2] } }, Buffer.from([1, 2, 3, 255]), null];
  const back = once(main, "message-back", 5000, `${label}: message-back`);
  main.emit("message", ...args);
  deepCheck(await back, args, `${label}: message-back`);

  const acked = await withTimeout(main.emitWithAck("message-with-ack", ...args), 5000, `${label}: ack`);
  deepCheck(acked, args[0], `${label}: ack first argument`);
  const all = await withTimeout(
    new Promise((resolve) => main.emit("message-with-ack", 1, "two", Buffer.from([3]), (...a) => resolve(a))),
    5000,
    `${label}: ack with several arguments`,
  );
  deepCheck(all, [1, "two", new Uint8Array([3])], `${label}: ack arguments`);

  const custom = io(`${base}/custom`, { ...opts });
  const [customAuth] = await once(custom, "auth", 5000, `${label}: auth on /custom`);
  deepCheck(customAuth, {}, `${label}: /custom auth`);

  const nope = io(`${base}/nope`, { ...opts });
  const [err] = await once(nope, "connect_error", 5000, `${label}: connect_error on /nope`);
  check(err.message === "Invalid namespace", `${label}: /nope error ${err.message}`);
  for (const s of [main, custom, nope]) s.close();
}

/** A raw Engine.IO session that never sends CONNECT is closed after the 1000 ms connect timeout. */
async function connectTimeout(base) {
  const url = `${base}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(url)).text();
  check(open.startsWith("0{"), `handshake: ${open}`);
  const sid = JSON.parse(open.slice(1)).sid;
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${url}&sid=${sid}`);
    const body = await res.text();
    if (res.status === 400 || body.split("\x1e").includes("1")) break;
    if (body.split("\x1e").includes("2")) {
      await fetch(`${url}&sid=${sid}`, { method: "POST", body: "3" });
    }
    check(Date.now() - started < 3000, "session still open 3 s after the handshake");
  }
  const ms = Date.now() - started;
  check(ms >= 800, `closed too early (${ms} ms)`);
  return ms;
}

async function main() {
  const base = process.argv[2];
  if (!/^https?:\/\/[^/]+$/.test(base ?? "") || ![undefined, "msgpack"].includes(process.argv[3])) {
    console.error("usage: node sio-conformance.mjs <http://host:port> [msgpack]");
    process.exit(2);
  }
  try {
    await withTimeout(
      (async () => {
        await transport(base, ["polling"]);
        await transport(base, ["websocket"]);
        await transport(base, ["polling", "websocket"]);
        const closedAfterMs = await connectTimeout(base);
        await sleep(10);
        console.log(`ok sio-conformance ${JSON.stringify({ closedAfterMs })}`);
      })(),
      20000,
      "sio-conformance",
    );
    process.exit(0);
  } catch (err) {
    console.error(`FAIL sio-conformance: ${err?.stack ?? err}`);
    process.exit(1);
  }
}

main();
