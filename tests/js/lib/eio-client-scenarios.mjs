// Engine.IO scenarios driven by the official engine.io-client against an echo server.
// Each scenario takes the server's base URL and resolves with a details object (or throws).

import { EioPeer, checkHandshake } from "./peer.mjs";
import { bigText, bytePattern, check, checkPayloads, sleep, textMessages, withTimeout } from "./util.mjs";

const POLLING = ["polling"];
const WEBSOCKET = ["websocket"];

/** The upgrades a server must offer in the handshake made over `transport`. */
const upgradesFor = (transport) => (transport === "polling" ? ["websocket"] : []);

/**
 * One transport only: 20 edge-case text messages echoed in order, then the session
 * survives at least 3 server pings (~1.2 s) and still echoes.
 */
async function singleTransport(base, transport) {
  const peer = await new EioPeer(base, { transports: [transport], label: transport }).open();
  checkHandshake(peer.handshake, upgradesFor(transport), transport);
  const sid = peer.socket.id;
  let echoed = await peer.echo(textMessages(transport), "text messages");
  await sleep(1200);
  peer.assertOpen("after 1.2 s of heartbeats");
  check(peer.pings >= 3, `${transport}: only ${peer.pings} pings in 1.2 s (pingInterval 300 ms)`);
  echoed += await peer.echo(["still alive after pings ✓"], "message after pings");
  await peer.expectQuiet(100, "after all echoes");
  check(peer.transport === transport && peer.socket.id === sid, `${transport}: transport or sid changed`);
  peer.close();
  return { sid, echoed, pings: peer.pings };
}

/** `polling`: long-polling only. */
export const polling = (base) => singleTransport(base, "polling");

/** `websocket`: WebSocket only (no upgrade). */
export const websocket = (base) => singleTransport(base, "websocket");

/**
 * `upgrade`: default transports (polling, then upgrade to websocket). Messages are sent
 * before open, at open, every 5 ms while the upgrade runs, on "upgrading" and after
 * "upgrade"; all must come back exactly once and in order.
 */
export async function upgrade(base) {
  const peer = new EioPeer(base, { label: "upgrade" });
  const sent = [];
  let echoedBeforeUpgrade = 0;
  const send = (m) => { sent.push(m); peer.send(m); };
  send("before open #0");
  send(bytePattern(10, 1));
  let upgrading = 0;
  peer.socket.on("upgrading", () => { upgrading++; send("on upgrading"); });
  const upgraded = new Promise((resolve) => peer.socket.once("upgrade", resolve));
  await peer.open();
  check(peer.transport === "polling", `upgrade: opened on ${peer.transport}, expected polling`);
  checkHandshake(peer.handshake, ["websocket"], "upgrade");
  send("at open €");
  let tick = 0;
  const ticker = setInterval(() => {
    const n = tick++;
    send(n % 10 === 9 ? bytePattern(n, n) : `tick ${n}`);
  }, 5);
  try {
    const to = await withTimeout(upgraded, 5000, "upgrade event");
    echoedBeforeUpgrade = peer.inbox.length;
    check(to.name === "websocket", `upgrade: upgraded to ${to.name}`);
    check(peer.transport === "websocket", `upgrade: transport is ${peer.transport} after upgrade`);
    send("right after upgrade");
    await sleep(100);
  } finally {
    clearInterval(ticker);
  }
  check(upgrading === 1, `upgrade: ${upgrading} "upgrading" events`);
  send("after upgrade, last");
  const got = await withTimeout(peer.receive(sent.length), 5000, `upgrade: echo of ${sent.length} messages`);
  checkPayloads(got, sent, "upgrade", peer.binaryType);
  await peer.expectQuiet(200, "after all echoes");
  await sleep(700); // a few pings on the new transport
  peer.assertOpen("700 ms after upgrade");
  await peer.echo(["after heartbeats on websocket"], "after heartbeats");
  peer.close();
  return { echoed: sent.length + 1, echoedBeforeUpgrade, pings: peer.pings };
}

/** `large`: a 500 000-char string and a 600 000-byte binary, on each transport. */
export async function large(base) {
  const text = bigText(500000, 3);
  const bytes = bytePattern(600000, 5);
  check(text.length === 500000, "bigText length");
  const details = {};
  for (const transports of [POLLING, WEBSOCKET]) {
    const peer = await new EioPeer(base, { transports, label: `large/${transports[0]}` }).open();
    const started = Date.now();
    await peer.echo([text, bytes], "large payloads", 8000);
    details[transports[0]] = { ms: Date.now() - started };
    await peer.expectQuiet(50, "after large echoes");
    peer.close();
  }
  return details;
}

/** Binary payloads of every kind mixed with text. */
function binaryMix() {
  const all256 = Uint8Array.from({ length: 256 }, (_, i) => i);
  const backing = bytePattern(64, 9);
  return [
    "text first",
    new Uint8Array([1, 2, 3]),
    new Uint8Array(0),
    all256,
    "text between",
    all256.buffer.slice(0), // an ArrayBuffer
    Buffer.from("binary, not text ✓"),
    backing.subarray(10, 50), // a view with a byte offset
    new Uint8Array([0x34, 0x62, 0x1e]), // "4b\x1e" as bytes
    "",
    bytePattern(3000, 2),
    "text last",
  ];
}

/** `binary`: mixed binary/text payloads on each transport, with each binaryType. */
export async function binary(base) {
  const details = {};
  for (const transports of [POLLING, WEBSOCKET]) {
    for (const binaryType of ["nodebuffer", "arraybuffer"]) {
      const label = `binary/${transports[0]}/${binaryType}`;
      const peer = await new EioPeer(base, { transports, binaryType, label }).open();
      const payloads = binaryMix();
      let echoed = await peer.echo(payloads, "mixed payloads");
      echoed += await peer.echo(payloads, "mixed payloads again");
      await peer.expectQuiet(50, "after binary echoes");
      details[label] = echoed;
      peer.close();
    }
  }
  return details;
}

/** `many`: 50 concurrent clients (25 polling-only, 25 default transports) echo 20 messages each. */
export async function many(base) {
  const clients = 50;
  const run = async (i) => {
    const transports = i % 2 === 0 ? POLLING : undefined;
    const peer = await new EioPeer(base, { transports, label: `client ${i}` }).open(8000);
    const messages = textMessages(`c${i}`).map((m, j) => (j % 4 === 0 ? `${m}#${i}` : m));
    messages[5] = bytePattern(100 + i, i);
    await peer.echo(messages, "20 messages", 10000);
    await peer.expectQuiet(100, "after echoes");
    const transport = peer.transport;
    const sid = peer.socket.id;
    peer.close();
    return { transport, sid };
  };
  const results = await Promise.all(Array.from({ length: clients }, (_, i) => run(i)));
  const sids = new Set(results.map((r) => r.sid));
  check(sids.size === clients, `many: only ${sids.size} distinct sids for ${clients} clients`);
  const onWebsocket = results.filter((r) => r.transport === "websocket").length;
  return { clients, messages: clients * 20, onWebsocket };
}
