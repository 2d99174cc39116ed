// Bench peer: the official socket.io server (4.8.4) meeting the bench
// contract (../../README.md) as ../node/server.js does, and, when REDIS_URL
// is set (redis://127.0.0.1:6379), a member of the Redis cluster there with
// @socket.io/redis-adapter 8.3.0 on node-redis 4.7.1 (default options, the
// versions of tests/js): "broadcast" then reaches every socket of "/" on
// every member. bench/cluster.sh runs two of these against one Redis.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT) || 3000;
const redisUrl = process.env.REDIS_URL;

async function adapter() {
  if (!redisUrl) return undefined;
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on("error", (e) => console.error(`redis: ${e?.message ?? e}`));
  await Promise.all([pub.connect(), sub.connect()]);
  return createAdapter(pub, sub);
}

adapter().then((adapter) => {
  const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
  const io = new Server(httpServer, { serveClient: false, adapter });

  io.on("connection", (socket) => {
    socket.on("echo", (data, ack) => {
      if (typeof ack === "function") ack(data);
    });
    socket.on("broadcast", (data) => {
      io.emit("broadcast", data);
    });
  });

  httpServer.listen(port, "127.0.0.1", () => {
    const { version } = require("socket.io/package.json");
    const cluster = redisUrl ? `, redis-adapter through ${redisUrl}` : "";
    console.error(`node ${process.version}, socket.io ${version} on 127.0.0.1:${port}${cluster}`);
  });
});
