// The echo scenario made by the official client: C sockets (forceNew: one
// Engine.IO connection each, WebSocket only), each in a closed loop:
// emitWithAck("echo", payload), check the ack, repeat. Prints one JSON line
// with the acks and this process's CPU per ack over the measured window.
//
//   node echo.mjs --addr 127.0.0.1:3300 [--clients 50] [--secs 10] [--size 64] [--warmup-secs 1]
import { io } from "socket.io-client";

const opts = { addr: "127.0.0.1:3300", clients: 50, secs: 10, size: 64, "warmup-secs": 1 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, "");
  if (!(k in opts)) {
    console.error(`unknown option --${k}`);
    process.exit(2);
  }
  opts[k] = k === "addr" ? process.argv[i + 1] : Number(process.argv[i + 1]);
}

const pad = "x".repeat(Math.max(0, opts.size - 16));
let acks = 0;
let mismatches = 0;
let errors = 0;
let firstError = null;
let measuring = false;
let stop = false;

async function run(n) {
  const socket = io(`http://${opts.addr}`, { transports: ["websocket"], forceNew: true, reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  let k = 0;
  while (!stop) {
    const payload = `${n}:${k++}:${pad}`;
    try {
      const ack = await socket.timeout(5000).emitWithAck("echo", payload);
      if (ack !== payload) mismatches += 1;
      if (measuring) acks += 1;
    } catch (e) {
      errors += 1;
      firstError ??= String(e);
      break;
    }
  }
  socket.disconnect();
}

const runs = [];
for (let n = 0; n < opts.clients; n++) runs.push(run(n).catch((e) => { errors += 1; firstError ??= String(e); }));
await new Promise((r) => setTimeout(r, opts["warmup-secs"] * 1000));
measuring = true;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, opts.secs * 1000));
measuring = false;
const cpu = process.cpuUsage(cpu0);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
stop = true;
await Promise.all(runs);
const cpuUs = cpu.user + cpu.system;
console.log(JSON.stringify({
  client: "node", clients: opts.clients, secs: Number(secs.toFixed(2)), acks,
  acks_per_s: Math.round(acks / secs), cpu: Number((cpuUs / 1e6 / secs).toFixed(2)),
  us_per_ack: Number((cpuUs / Math.max(acks, 1)).toFixed(2)), mismatches, errors, first_error: firstError,
}));
process.exit(0);
