// Socket.IO scenarios: server/client disconnects, reconnection after a lost transport, many
// clients. Each takes the server's base URL and resolves with a details object (or throws).
//
// `disconnect` checks exact socket counts (the server's `count`), so it expects to be the only
// client of the server while it runs.

import { SioPeer, checkDeep, manager, openPeers } from "./sio-peer.mjs";
import { bytePattern, check, sleep } from "./util.mjs";

/** Asks `peer` for the server's socket count until it equals `want` (at most `ms`). */
async function awaitCount(peer, want, ms = 2000) {
  const deadline = Date.now() + ms;
  let n;
  do {
    [n] = await peer.ack("count");
    if (n === want) return n;
    await sleep(50);
  } while (Date.now() < deadline);
  throw new Error(`${peer.label}: count is ${n}, expected ${want} within ${ms} ms`);
}

/**
 * `disconnect`: disconnect-me (polling and default transports, "/" multiplexed with "/custom")
 * -> "disconnect" with reason "io server disconnect", no reconnect within 1 s, "/custom" on the
 * same Manager unaffected; a manual connect() afterwards gets a new id and welcome. Then the
 * server's count drops by one per client-side socket.disconnect() (websocket and polling).
 */
export async function disconnect(base) {
  const details = {};
  for (const transport of ["default", "polling"]) {
    const mgr = manager(base, transport === "polling" ? { transports: ["polling"] } : {});
    const peer = new SioPeer(mgr, { label: `disconnect-me/${transport}` });
    const custom = new SioPeer(mgr, { nsp: "/custom", label: `/custom/${transport}` });
    await peer.welcome();
    await custom.open();
    await custom.next("hello");
    const firstId = peer.socket.id;
    peer.socket.emit("disconnect-me");
    const [reason] = await peer.next("disconnect");
    check(reason === "io server disconnect", `${peer.label}: disconnect reason ${JSON.stringify(reason)}`);
    await sleep(1000);
    peer.assertNone("connect", "reconnected after io server disconnect");
    check(!peer.socket.connected && !peer.socket.active, `${peer.label}: still active after io server disconnect`);
    custom.assertNone("disconnect", "/custom disconnected by disconnect-me on /");
    await custom.echo(["/custom survives"], "after / was disconnected");
    peer.socket.connect();
    const again = await peer.welcome();
    check(again.id !== firstId, `${peer.label}: same socket id ${firstId} after a manual reconnect`);
    details[transport] = { reason };
    custom.close();
    peer.close();
  }
  const [observer, ws, polling] = await openPeers(base, ["websocket", "websocket", "polling"], 3, "count peer");
  details.counts = [await awaitCount(observer, 3)];
  for (const leaving of [ws, polling]) {
    leaving.close();
    const [reason] = await leaving.next("disconnect");
    check(reason === "io client disconnect", `${leaving.label}: disconnect reason ${JSON.stringify(reason)}`);
    details.counts.push(await awaitCount(observer, details.counts.at(-1) - 1));
  }
  observer.close();
  return details;
}

/**
 * `reconnect` (default, polling-only and websocket-only): drop-transport closes the Engine.IO
 * session -> "disconnect" with reason "transport close", then the client reconnects by itself
 * with a new socket.id (not recovered) and gets a new welcome; echoes work afterwards.
 */
export async function reconnect(base) {
  const details = {};
  for (const transport of ["default", "polling", "websocket"]) {
    const peer = new SioPeer(base, { transport, label: `reconnect/${transport}` });
    await peer.welcome();
    if (transport === "default") {
      await sleep(300); // let the upgrade finish so the websocket is what gets closed
    }
    const before = { id: peer.socket.id, engineId: peer.engineId, transport: peer.transport };
    let reconnects = 0;
    peer.socket.io.on("reconnect", () => { reconnects++; });
    const started = Date.now();
    peer.socket.emit("drop-transport");
    const [reason, description] = await peer.next("disconnect");
    check(reason === "transport close", `${peer.label}: disconnect reason ${JSON.stringify(reason)}`);
    const welcome = await peer.welcome(5000);
    const ms = Date.now() - started;
    check(welcome.id !== before.id, `${peer.label}: same socket.id after reconnecting`);
    check(peer.engineId !== before.engineId, `${peer.label}: same Engine.IO sid after reconnecting`);
    check(!peer.socket.recovered, `${peer.label}: recovered is ${peer.socket.recovered}`);
    check(reconnects === 1, `${peer.label}: ${reconnects} "reconnect" events`);
    checkDeep(welcome.auth, {}, `${peer.label}: auth after reconnecting`);
    await peer.echo(["after reconnect", Buffer.from([1])], "echo after reconnect");
    peer.assertNone("disconnect", "extra disconnect");
    details[transport] = { reason, description: description?.description ?? description ?? null, before: before.transport, ms };
    peer.close();
  }
  return details;
}

/**
 * `many`: 50 clients (polling-only and default, alternating; connects staggered by 10 ms) are
 * all connected at once, then each does 20 echo acks concurrently with the others.
 */
export async function many(base) {
  const clients = 50;
  const peers = Array.from({ length: clients }, (_, i) => ({ i }));
  const connectAll = peers.map(async (p) => {
    await sleep(p.i * 10);
    p.peer = new SioPeer(base, { transport: p.i % 2 ? "default" : "polling", label: `client ${p.i}` });
    await p.peer.welcome(8000);
  });
  await Promise.all(connectAll);
  const run = async ({ i, peer }) => {
    for (let j = 0; j < 20; j++) {
      const args = j % 5 === 4
        ? [`c${i}`, j, bytePattern(50 + i, j)]
        : [`c${i} €`, j, { i, j, s: "x".repeat(j * 10) }];
      await peer.echo(args, `echo #${j}`, 8000);
    }
    peer.assertNone("disconnect", "during echoes");
    return { id: peer.socket.id, transport: peer.transport };
  };
  try {
    const results = await Promise.all(peers.map(run));
    const ids = new Set(results.map((r) => r.id));
    check(ids.size === clients, `many: only ${ids.size} distinct socket ids for ${clients} clients`);
    const onWebsocket = results.filter((r) => r.transport === "websocket").length;
    return { clients, acks: clients * 20, onWebsocket };
  } finally {
    for (const p of peers) p.peer?.close();
  }
}
