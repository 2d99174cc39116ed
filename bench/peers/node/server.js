// Bench anchor: the official socket.io server, default options, meeting the
// contract in ../../README.md: Socket.IO at /socket.io/ on 127.0.0.1:$PORT,
// "echo" acknowledged with its argument, "broadcast" re-emitted to every
// socket of "/" (the sender included). Node's HTTP server already sets
// TCP_NODELAY on accepted sockets.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT) || 3000;
const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
const io = new Server(httpServer, { serveClient: false });

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
  console.error(`node ${process.version}, socket.io ${version} on 127.0.0.1:${port}`);
});
