#!/usr/bin/env node
// Recovery under random cuts: N clients (half WebSocket, half polling) connect through a proxy
// that cuts connections at random to the recovery example (`tick` {seq} to everyone every
// 20 ms). After `secs` seconds every client must have every tick from its first one on, exactly
// once and in order.
//
// Usage: node jitter.mjs <proxy-url> <clients> <secs>
// Prints `ok jitter <json figures>` and exits 0, or the figures and the failures on stderr and
// exits 1.

import { io } from "socket.io-client";
import { sleep } from "./lib/util.mjs";

const [url, clientsArg, secsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const secs = Number(secsArg);
if (!/^https?:\/\/[^/]+$/.test(url ?? "") || !(clients > 0) || !(secs > 0)) {
  console.error("usage: node jitter.mjs <http://host:port> <clients> <secs>");
  process.exit(2);
}

const peers = [];
for (let i = 0; i < clients; i++) {
  const transports = i % 2 ? ["websocket"] : ["polling"];
  const socket = io(url, {
    transports,
    reconnectionDelay: 100,
    reconnectionDelayMax: 400,
    timeout: 5000,
  });
  const peer = { i, transports, socket, ticks: [], disconnects: 0, recovered: 0, fresh: 0, early: 0, connects: 0 };
  socket.on("tick", (data) => peer.ticks.push(data.seq));
  socket.on("disconnect", () => peer.disconnects++);
  socket.on("connect", () => {
    peer.connects++;
    if (peer.connects > 1) {
      if (socket.recovered) peer.recovered++;
      // Cut before its first tick, a client has no offset to recover from
      // (the protocol sends none): a fresh session loses nothing then.
      else if (peer.ticks.length === 0) peer.early++;
      else peer.fresh++;
    }
  });
  peers.push(peer);
  await sleep(5); // spread the handshakes
}

await sleep(secs * 1000);
// Stop cleanly: let in-flight reconnects settle, then close every client.
await sleep(1000);
const figures = { clients, events: 0, losses: 0, duplicates: 0, cuts_seen: 0, recovered: 0, fresh: 0, early_fresh: 0, no_ticks: 0 };
const failures = [];
for (const p of peers) {
  figures.events += p.ticks.length;
  figures.cuts_seen += p.disconnects;
  figures.recovered += p.recovered;
  figures.fresh += p.fresh;
  figures.early_fresh += p.early;
  if (p.fresh > 0) failures.push(`client ${p.i} (${p.transports}): ${p.fresh} reconnects not recovered`);
  if (p.ticks.length === 0) {
    figures.no_ticks++;
    failures.push(`client ${p.i}: no ticks`);
    continue;
  }
  for (let k = 1; k < p.ticks.length; k++) {
    const d = p.ticks[k] - p.ticks[k - 1];
    if (d <= 0) {
      figures.duplicates += 1;
      failures.push(`client ${p.i} (${p.transports}): tick ${p.ticks[k]} after ${p.ticks[k - 1]}`);
    } else if (d > 1) {
      figures.losses += d - 1;
      failures.push(`client ${p.i} (${p.transports}): ticks ${p.ticks[k - 1] + 1}..${p.ticks[k] - 1} lost`);
    }
  }
}
for (const p of peers) p.socket.close();
if (failures.length > 0) {
  console.error(`FAIL jitter ${JSON.stringify(figures)}`);
  for (const f of failures.slice(0, 20)) console.error(f);
  process.exit(1);
}
console.log(`ok jitter ${JSON.stringify(figures)}`);
process.exit(0);
