// Scenarios of the server's public Socket.IO API against the "API server" (tests/js/README.md):
// several listeners, once, off, send/"message", on_any, on_any_outgoing, packet middleware and
// its error listener, io.socket(id), operators (fetch_sockets, sockets_join, sockets_leave,
// disconnect_sockets), and dynamic namespaces (child handles, the parent's broadcasts).
// Each takes the server's base URL and resolves with a details object (or throws).

import { SioPeer, checkDeep, openPeers } from "./sio-peer.mjs";
import { check, sleep } from "./util.mjs";

/** How long a non-recipient is given to (wrongly) receive something. */
const QUIET_MS = 200;

/** `listeners`: two listeners of one event, once, off, send / "message", two connection listeners. */
export async function listeners(base) {
  const [a] = await openPeers(base, ["websocket"], 1, "listeners");
  checkDeep(await a.next("second-listener"), [true], "the second connection listener ran");
  // Both listeners run, in order; the first ack counts.
  checkDeep(await a.ack("multi", { n: 1 }), ["first"], "ack of a two-listener event");
  checkDeep(await a.next("multi-1"), [{ n: 1 }], "first listener");
  checkDeep(await a.next("multi-2"), [{ n: 1 }], "second listener");
  // once: the first only.
  a.socket.emit("one-shot", "a");
  a.socket.emit("one-shot", "b");
  checkDeep(await a.next("once-got"), ["a"], "once listener");
  await sleep(QUIET_MS);
  a.assertNone("once-got", "a once listener ran twice");
  // off: no listener any more.
  checkDeep(await a.ack("off", "multi"), [true], "off");
  a.socket.emit("multi", { n: 2 });
  await sleep(QUIET_MS);
  a.assertNone("multi-1", "after off");
  a.assertNone("multi-2", "after off");
  // send / "message" both ways.
  a.socket.send("hi");
  checkDeep(await a.next("message"), ["echo: hi"], "send");
  a.close();
  return { listeners: 2 };
}

/** `any`: on_any sees every incoming event, on_any_outgoing every emit; packet middleware. */
export async function any(base) {
  const [a] = await openPeers(base, ["polling"], 1, "any");
  a.socket.emit("first-event", 1);
  await a.ack("multi", 0);
  // Refused by the packet middleware: no listener runs, the error listener does.
  a.socket.emit("forbidden-event", "x", () => a.log.push("ack of a refused event"));
  checkDeep(await a.next("error-seen"), ["forbidden: forbidden-event"], "packet middleware error");
  const [incoming] = await a.ack("any-log");
  checkDeep(incoming, ["first-event", "multi", "any-log"], "on_any saw the events (not the refused one)");
  const [outgoing] = await a.ack("outgoing-log");
  checkDeep(
    outgoing,
    ["welcome", "second-listener", "multi-1", "multi-2", "error-seen"],
    "on_any_outgoing saw the emits",
  );
  await sleep(QUIET_MS);
  check(!a.log.includes("ack of a refused event"), "a refused event was acknowledged");
  a.close();
  return { incoming, outgoing };
}

/** `lookup`: io.socket(id) finds a connected socket of any transport; an unknown id is none. */
export async function lookup(base) {
  const [a, b] = await openPeers(base, ["websocket", "polling"], 2, "lookup");
  checkDeep(await a.ack("poke", b.socket.id, "hello b"), [true], "poke b");
  checkDeep(await b.next("poked"), ["hello b"], "b was poked");
  checkDeep(await a.ack("poke", "AAAAAAAAAAAAAAAAAAAAAA", "x"), [false], "unknown id");
  const bId = b.socket.id;
  b.close();
  await sleep(100);
  checkDeep(await a.ack("poke", bId, "gone"), [false], "a socket that left");
  a.close();
  return { found: true };
}

/** `operators`: fetch_sockets, sockets_join, sockets_leave, disconnect_sockets on a room. */
export async function operators(base) {
  const [a, b, c] = await openPeers(base, ["websocket", "polling", "default"], 3, "operators");
  for (const p of [a, b]) checkDeep(await p.ack("join", "r"), [true], `${p.label}: join r`);
  const ab = [a.socket.id, b.socket.id].sort();
  checkDeep(await c.ack("fetch", "r"), [ab], "fetch_sockets of r");
  checkDeep(await c.ack("fetch", "nobody"), [[]], "fetch_sockets of an empty room");
  checkDeep(await c.ack("sockets-join", "r", "r2"), [true], "sockets_join");
  checkDeep(await c.ack("fetch", "r2"), [ab], "fetch_sockets of r2");
  checkDeep(await a.ack("rooms"), [[a.socket.id, "r", "r2"].sort()], "a's rooms after sockets_join");
  checkDeep(await c.ack("rooms"), [[c.socket.id]], "c's rooms unchanged");
  checkDeep(await c.ack("sockets-leave", "r2", "r"), [true], "sockets_leave");
  checkDeep(await c.ack("fetch", "r"), [[]], "r after sockets_leave");
  checkDeep(await b.ack("rooms"), [[b.socket.id, "r2"].sort()], "b's rooms after sockets_leave");
  checkDeep(await c.ack("disconnect-room", "r2"), [true], "disconnect_sockets");
  for (const p of [a, b]) {
    const [reason] = await p.next("disconnect");
    check(reason === "io server disconnect", `${p.label}: disconnect reason ${JSON.stringify(reason)}`);
  }
  await sleep(QUIET_MS);
  c.assertNone("disconnect", "a socket outside the room was disconnected");
  checkDeep(await c.ack("fetch", "r2"), [[]], "r2 after disconnect_sockets");
  c.close();
  return { room: ab.length };
}

/** Checks that exactly `expected` of `peers` get one `event` with `data`. */
async function expectDelivery(peers, expected, event, data, context) {
  for (const p of expected) checkDeep(await p.next(event), [data], `${p.label}: ${context}`);
  await sleep(QUIET_MS);
  for (const p of peers) p.assertNone(event, context);
}

/**
 * `dynamic`: two sockets on /dyn-1, one on /dyn-2, one on "/". A child's own broadcast stays in
 * it; the parent handle's broadcasts (all, to a room, with acks) reach every child and nothing
 * else; io.of("/dyn-2") reaches that child; the parent counts and lists its children; a child
 * given its own connection listener keeps the parent's too.
 */
export async function dynamic(base) {
  const a = new SioPeer(base, { nsp: "/dyn-1", label: "a /dyn-1", transport: "websocket" });
  const b = new SioPeer(base, { nsp: "/dyn-1", label: "b /dyn-1", transport: "polling" });
  const c = new SioPeer(base, { nsp: "/dyn-2", label: "c /dyn-2", transport: "websocket" });
  const [d] = await openPeers(base, ["websocket"], 1, "d /");
  for (const p of [a, b, c]) {
    await p.open();
    checkDeep(await p.next("hello"), [p.socket.nsp], `${p.label}: hello`);
  }
  const all = [a, b, c, d];
  a.socket.emit("nsp-emit", "n1", { in: "dyn-1" });
  await expectDelivery(all, [a, b], "n1", { in: "dyn-1" }, "socket.namespace() broadcast");
  a.socket.emit("parent-emit", "n2", "to all children");
  await expectDelivery(all, [a, b, c], "n2", "to all children", "parent broadcast");
  checkDeep(await c.ack("join", "cr"), [true], "c joins cr");
  a.socket.emit("parent-to", "cr", "n3", 3);
  await expectDelivery(all, [c], "n3", 3, "parent.to(room)");
  a.socket.emit("of-emit", "/dyn-2", "n4", [4]);
  await expectDelivery(all, [c], "n4", [4], "io.of(child)");
  checkDeep(await a.ack("parent-count"), [3], "parent sockets");
  checkDeep(await a.ack("children"), [["/dyn-1", "/dyn-2"]], "parent children");
  for (const p of [a, b]) p.socket.on("ask", (what, ack) => ack(`${p.label}:${what}`));
  c.socket.on("ask", (what, ack) => ack(`c:${what}`));
  checkDeep(
    await a.ackWithin(5000, "parent-ask", 2000),
    [{ timedOut: false, replies: ["a /dyn-1:parent", "b /dyn-1:parent", "c:parent"] }],
    "parent emit with acks",
  );
  // A child's own connection listener, beside the parent's.
  checkDeep(await c.ack("adopt", "/dyn-2"), [true], "adopt");
  const e = new SioPeer(base, { nsp: "/dyn-2", label: "e /dyn-2" });
  await e.open();
  checkDeep(await e.next("hello"), ["/dyn-2"], "e: the parent's listener");
  checkDeep(await e.next("adopted"), ["/dyn-2"], "e: the child's own listener");
  const f = new SioPeer(base, { nsp: "/dyn-1", label: "f /dyn-1" });
  await f.open();
  checkDeep(await f.next("hello"), ["/dyn-1"], "f: hello");
  await sleep(QUIET_MS);
  f.assertNone("adopted", "another child got the adopted child's listener");
  for (const p of [a, b, c, d, e, f]) p.close();
  return { children: 2 };
}
