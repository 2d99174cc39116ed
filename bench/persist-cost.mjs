#!/usr/bin/env node
// The cost of keeping sessions in Redis while they live (issue 16): our cluster member
// (`tests/src/bin/cluster_member.rs`, release build) on the streams adapter, with recovery off
// (no session writes) and on (a write per changed socket per drain), on a private
// redis-server. CLIENTS WebSocket clients connect, then each makes OPS changes one after the
// other (a "join" of a new room or a "setData", alternately, each acked), all clients at once.
// Per change it reports: the member's CPU (user + system, /proc/<pid>/stat), Redis `SET`
// calls and Redis's own time in them (INFO commandstats), with recovery off and on; the
// difference is what persistence costs. Run from the repository root:
//
//   cargo build --release -p tests --bin cluster_member
//   node bench/persist-cost.mjs [--clients 500] [--ops 20] [--rounds 3]
//
// Uses tests/js/node_modules (run `npm ci` there first) and Debian's redis-server.

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(new URL("../tests/js/package.json", import.meta.url));
const { io } = require("socket.io-client");
const { createClient } = require("redis");

const opts = { clients: 500, ops: 20, rounds: 3 };
for (let i = 2; i < process.argv.length; i += 2) {
  opts[process.argv[i].replace(/^--/, "")] = Number(process.argv[i + 1]);
}
const TICKS = 100; // clock ticks per second (Linux's USER_HZ)
const MEMBER = new URL("../target/release/cluster_member", import.meta.url).pathname;

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
}

async function setStats(redis) {
  const info = await redis.info("commandstats");
  const line = info.split("\n").find((l) => l.startsWith("cmdstat_set:"));
  if (!line) return { calls: 0, usec: 0 };
  const m = /calls=(\d+),usec=(\d+)/.exec(line);
  return { calls: Number(m[1]), usec: Number(m[2]) };
}

function firstLine(child, prefix) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith(prefix)) resolve(line.slice(prefix.length).trim());
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code}`)));
  });
}

async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "persist-cost-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn("redis-server", ["--port", String(port), "--dir", dir, "--save", "",
    "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
  await firstLine(child, "").catch(() => {});
  for (let i = 0; i < 100; i++) {
    try {
      const c = createClient({ url: `redis://127.0.0.1:${port}` });
      c.on("error", () => {});
      await c.connect();
      return { child, port, client: c };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("redis-server did not start");
}

async function round(redis, recovery) {
  const args = [`redis://127.0.0.1:${redis.port}`, "--adapter", "streams"];
  if (recovery) args.push("--recovery-window", "120000");
  const member = spawn(MEMBER, args, { stdio: ["pipe", "pipe", "inherit"] });
  const port = Number(await firstLine(member, "listening"));
  const url = `http://127.0.0.1:${port}`;
  const sockets = await Promise.all(
    Array.from({ length: opts.clients }, () => new Promise((resolve) => {
      const s = io(url, { transports: ["websocket"], reconnection: false });
      s.on("connect", () => resolve(s));
    })),
  );
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = cpuSeconds(member.pid);
  const set0 = await setStats(redis.client);
  const t0 = process.hrtime.bigint();
  await Promise.all(sockets.map(async (s, i) => {
    for (let k = 0; k < opts.ops; k++) {
      if (k % 2 === 0) await s.emitWithAck("join", `room-${i}-${k}`);
      else await s.emitWithAck("setData", { n: k, name: `client ${i}` });
    }
  }));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise((r) => setTimeout(r, 300)); // the last writes reach Redis
  const cpu1 = cpuSeconds(member.pid);
  const set1 = await setStats(redis.client);
  for (const s of sockets) s.disconnect();
  member.kill("SIGKILL");
  const changes = opts.clients * opts.ops;
  return {
    cpuUs: ((cpu1 - cpu0) * 1e6) / changes,
    sets: (set1.calls - set0.calls) / changes,
    redisUs: (set1.usec - set0.usec) / changes,
    wall,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const redis = await startRedis();
const results = { off: [], on: [] };
for (let r = 0; r < opts.rounds; r++) {
  for (const mode of ["off", "on"]) {
    await redis.client.flushAll();
    results[mode].push(await round(redis, mode === "on"));
  }
}
const show = (x) => x.toFixed(2);
console.log(`# ${new Date().toISOString()}, ${opts.clients} clients x ${opts.ops} changes, ` +
  `${opts.rounds} rounds, medians (rounds)`);
for (const mode of ["off", "on"]) {
  const rs = results[mode];
  const cpu = rs.map((x) => x.cpuUs);
  console.log(`recovery ${mode}: member CPU ${show(median(cpu))} us/change ` +
    `(${cpu.map(show).join(" / ")}), Redis SET ${show(median(rs.map((x) => x.sets)))}/change, ` +
    `Redis time in SET ${show(median(rs.map((x) => x.redisUs)))} us/change`);
}
console.log(`persistence: +${show(median(results.on.map((x) => x.cpuUs)) -
  median(results.off.map((x) => x.cpuUs)))} us of member CPU per change`);
await redis.client.quit();
redis.child.kill();
