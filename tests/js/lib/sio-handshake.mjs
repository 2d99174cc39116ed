// The handshake as the server sees it: query parameters and headers.
import { io } from "socket.io-client";
import { check, withTimeout } from "./util.mjs";

export async function handshake(base) {
  const socket = io(base, {
    transports: ["websocket"],
    query: { tag: "t €1" },
    extraHeaders: { "user-agent": "sio-test-agent" },
    forceNew: true,
  });
  const info = await withTimeout(socket.emitWithAck("handshake"), 5000, "handshake ack");
  check(info.query === "t €1", `query: ${JSON.stringify(info)}`);
  check(info.ua === "sio-test-agent", `user-agent: ${JSON.stringify(info)}`);
  socket.close();
  return info;
}
