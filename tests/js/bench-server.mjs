#!/usr/bin/env node
// The bench server's contract (examples/bench_server.rs, `../shared/bench`): Socket.IO at
// /socket.io/; `echo` is acknowledged with its argument; `broadcast` is re-emitted as
// `broadcast` to every socket of `/`, the sender included.
//
// Usage: node bench-server.mjs <http://host:port>
// Over WebSocket and over polling: three clients connect; each echoes a string, an object
// and a 4 KiB string, and gets each back in its ack; then one broadcasts and every client,
// the sender too, receives it exactly once. Prints `ok bench-server <json>` and exits 0, or
// the reason on stderr and exits 1.

import { io } from "socket.io-client";
import { check, sleep, withTimeout } from "./lib/util.mjs";

const CLIENTS = 3;

async function transport(base, transports) {
  const label = transports.join("+");
  const clients = [];
  try {
    for (let i = 0; i < CLIENTS; i++) {
      const socket = io(base, { transports, forceNew: true, reconnection: false });
      const got = [];
      socket.on("broadcast", (data) => got.push(data));
      clients.push({ socket, got });
    }
    await withTimeout(
      Promise.all(clients.map(({ socket }) => new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      }))),
      5000,
      `${label}: connect`,
    );

    const values = ["hello", { n: 1, list: [true, null, "x"] }, "y".repeat(4096)];
    for (const [i, { socket }] of clients.entries()) {
      for (const value of values) {
        const back = await withTimeout(socket.emitWithAck("echo", value), 5000, `${label}: echo ack`);
        check(JSON.stringify(back) === JSON.stringify(value),
          `${label}: client ${i}: echo acked ${JSON.stringify(back).slice(0, 80)} for ${JSON.stringify(value).slice(0, 80)}`);
      }
    }

    const payload = { from: clients[0].socket.id, text: `to everyone ${process.pid}` };
    clients[0].socket.emit("broadcast", payload);
    await withTimeout(
      (async () => { while (clients.some(({ got }) => got.length === 0)) await sleep(10); })(),
      5000,
      `${label}: every client receives the broadcast`,
    );
    await sleep(200); // a duplicate would arrive by now
    for (const [i, { got }] of clients.entries()) {
      check(got.length === 1 && JSON.stringify(got[0]) === JSON.stringify(payload),
        `${label}: client ${i}${i === 0 ? " (the sender)" : ""} got ${JSON.stringify(got)}`);
    }
    return { clients: CLIENTS, echoes: CLIENTS * values.length };
  } finally {
    for (const { socket } of clients) socket.close();
  }
}

async function main() {
  const [base] = process.argv.slice(2);
  if (!/^https?:\/\/[^/]+$/.test(base ?? "")) {
    console.error("usage: node bench-server.mjs <http://host:port>");
    process.exit(2);
  }
  try {
    const details = {
      websocket: await transport(base, ["websocket"]),
      polling: await transport(base, ["polling"]),
    };
    console.log(`ok bench-server ${JSON.stringify(details)}`);
    process.exit(0);
  } catch (err) {
    console.error(`FAIL bench-server: ${err?.stack ?? err}`);
    process.exit(1);
  }
}

main();
