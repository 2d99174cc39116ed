// Socket.IO scenarios: rooms and broadcasts, broadcasts with acks, connect middleware.
// Each takes the server's base URL and resolves with a details object (or throws).

import { SioPeer, checkDeep, openPeers, rawConnect } from "./sio-peer.mjs";
import { check, sleep } from "./util.mjs";

/** How long a non-recipient is given to (wrongly) receive a broadcast. */
const QUIET_MS = 150;

/**
 * Has `sender` emit `trigger` args, then checks that exactly `expected` (of `peers`) get one
 * `event` with `data`, and the others none. Returns the number of recipients.
 */
async function expectDelivery(sender, trigger, event, data, peers, expected) {
  sender.socket.emit(...trigger);
  for (const p of expected) {
    const args = await p.next(event);
    checkDeep(args, [data], `${p.label}: "${event}" after ${trigger[0]}`);
  }
  await sleep(QUIET_MS);
  for (const p of peers) p.assertNone(event, `after ${trigger[0]}(${trigger[1]})`);
  return expected.length;
}

/**
 * `rooms`: three clients (polling, websocket, default). join/leave acks; `rooms` lists the
 * socket's own id and its rooms; to-room reaches exactly the members (sender included when a
 * member, excluded when not); to-room-except skips members of the other room; broadcast skips
 * the sender; a socket id works as a room; binary broadcast data; rooms are left on disconnect.
 */
export async function rooms(base) {
  const peers = await openPeers(base, ["polling", "websocket", "default"], 3, "room peer");
  const [a, b, c] = peers;
  const join = async (p, room) => checkDeep(await p.ack("join", room), [true], `${p.label}: join ${room}`);
  await join(a, "r1");
  await join(b, "r1");
  await join(b, "r2");
  await join(c, "r2");
  await join(c, "r2"); // joining twice is harmless
  checkDeep(await a.ack("rooms"), [[a.socket.id, "r1"].sort()], `${a.label}: rooms`);
  checkDeep(await b.ack("rooms"), [[b.socket.id, "r1", "r2"].sort()], `${b.label}: rooms`);
  checkDeep(await c.ack("rooms"), [[c.socket.id, "r2"].sort()], `${c.label}: rooms`);

  let delivered = 0;
  const d = (...args) => expectDelivery(...args).then((n) => { delivered += n; });
  await d(a, ["to-room", "r1", "news1", { n: 1, s: "€" }], "news1", { n: 1, s: "€" }, peers, [a, b]);
  await d(a, ["to-room", "r2", "news2", "for r2"], "news2", "for r2", peers, [b, c]);
  await d(c, ["to-room", "nobody-here", "news3", 3], "news3", 3, peers, []);
  await d(a, ["to-room-except", "r1", "r2", "news4", [4]], "news4", [4], peers, [a]);
  await d(c, ["to-room-except", "r2", "r1", "news5", null], "news5", null, peers, [c]);
  await d(a, ["broadcast", "news6", { from: "a" }], "news6", { from: "a" }, peers, [b, c]);
  await d(b, ["broadcast", "news7", "from b"], "news7", "from b", peers, [a, c]);
  await d(a, ["to-room", c.socket.id, "news8", "direct"], "news8", "direct", peers, [c]);
  const bin = { buf: Buffer.from([1, 2, 3, 4]), more: [Buffer.from("x")] };
  await d(c, ["to-room", "r1", "news9", bin], "news9", bin, peers, [a, b]);
  await d(a, ["broadcast", "news10", Buffer.alloc(0)], "news10", Buffer.alloc(0), peers, [b, c]);

  checkDeep(await b.ack("leave", "r1"), [true], `${b.label}: leave r1`);
  checkDeep(await b.ack("leave", "never-joined"), [true], `${b.label}: leave a room never joined`);
  checkDeep(await b.ack("rooms"), [[b.socket.id, "r2"].sort()], `${b.label}: rooms after leave`);
  await d(c, ["to-room", "r1", "news11", "r1 after leave"], "news11", "r1 after leave", peers, [a]);

  c.close();
  await sleep(100);
  const left = [a, b];
  await d(a, ["to-room", "r2", "news12", "r2 after c left"], "news12", "r2 after c left", left, [b]);
  await d(a, ["broadcast", "news13", 13], "news13", 13, left, [b]);
  const ids = left.map((p) => p.socket.id);
  for (const p of left) p.close();
  return { delivered, ids };
}

/**
 * `broadcast-acks`: ask-room to a room of three where two answer and one never does ->
 * { timedOut: true, replies: the two answers } after ~timeoutMs (Node passes the partial
 * replies with the timeout error); to a room where all answer -> { timedOut: false, all
 * replies } well before the timeout; to an empty room -> { timedOut: false, replies: [] }
 * at once.
 */
export async function broadcastAcks(base) {
  const peers = await openPeers(base, ["websocket", "polling", "default"], 3, "ack peer");
  const [a, b, c] = peers;
  a.socket.on("ask", (what, ack) => ack(`A:${what}`));
  b.socket.on("ask", (what, ack) => ack(`B:${what}`));
  c.socket.on("ask", () => {}); // never answers
  for (const p of peers) checkDeep(await p.ack("join", "q"), [true], `${p.label}: join q`);
  for (const p of [a, b]) checkDeep(await p.ack("join", "q2"), [true], `${p.label}: join q2`);

  let started = Date.now();
  let [reply] = await a.ack("ask-room", "q", 500);
  const partialMs = Date.now() - started;
  checkDeep(reply, { timedOut: true, replies: ["A:room", "B:room"] }, "ask-room q (one silent member)");
  check(partialMs >= 480 && partialMs < 2000, `ask-room q answered after ${partialMs} ms, expected ~500`);

  started = Date.now();
  [reply] = await c.ack("ask-room", "q2", 2000);
  const fullMs = Date.now() - started;
  checkDeep(reply, { timedOut: false, replies: ["A:room", "B:room"] }, "ask-room q2 (all answer)");
  check(fullMs < 1000, `ask-room q2 took ${fullMs} ms although every member answered`);

  started = Date.now();
  [reply] = await b.ack("ask-room", "empty-room", 2000);
  const emptyMs = Date.now() - started;
  checkDeep(reply, { timedOut: false, replies: [] }, "ask-room to an empty room");
  check(emptyMs < 1000, `ask-room to an empty room took ${emptyMs} ms`);
  for (const p of peers) p.close();
  return { partialMs, fullMs, emptyMs };
}

/**
 * `middleware`: /admin without a token, or with a wrong one -> connect_error "unauthorized"
 * with data {reason:"bad token"}, no retry, and the "/" socket on the same Manager unaffected;
 * the same socket with auth {token:"secret"} and connect() -> hello "/admin". On the wire the
 * refusal (Engine.IO message "4" + Socket.IO CONNECT_ERROR "4") is
 * `44/admin,{"message":"unauthorized","data":{"reason":"bad token"}}`.
 */
export async function middleware(base) {
  const root = new SioPeer(base, { label: "/" });
  await root.welcome();
  const details = {};
  for (const [name, auth] of [["no token", undefined], ["wrong token", { token: "nope" }]]) {
    const admin = new SioPeer(root.socket.io, { nsp: "/admin", label: `/admin ${name}`, auth });
    const { event, args } = await admin.nextOf(["connect", "connect_error"]);
    check(event === "connect_error", `${admin.label}: got "${event}" instead of connect_error`);
    check(args[0]?.message === "unauthorized", `${admin.label}: message ${JSON.stringify(args[0]?.message)}`);
    checkDeep(args[0]?.data, { reason: "bad token" }, `${admin.label}: connect_error data`);
    await sleep(200);
    admin.assertNone("connect_error", "retried after connect_error");
    admin.assertNone("connect", "connected after connect_error");
    await root.echo(["still here"], `after ${name}`);
    if (name === "wrong token") {
      admin.socket.auth = { token: "secret" };
      admin.socket.connect();
      await admin.open();
      const [hello] = await admin.next("hello");
      check(hello === "/admin", `${admin.label}: hello ${JSON.stringify(hello)} after fixing the token`);
      check(admin.engineId === root.engineId, "/admin: not multiplexed with /");
      details.retried = admin.socket.id;
    }
  }
  const good = new SioPeer(base, { nsp: "/admin", label: "/admin secret", auth: { token: "secret" }, transport: "polling" });
  await good.open();
  const [hello] = await good.next("hello");
  check(hello === "/admin", `${good.label}: hello ${JSON.stringify(hello)}`);
  const raw = await rawConnect(base, "/admin", { token: "bad" });
  const prefix = "4/admin,";
  check(typeof raw === "string" && raw.startsWith(prefix), `raw: answer ${JSON.stringify(raw)}`);
  checkDeep(JSON.parse(raw.slice(prefix.length)), { message: "unauthorized", data: { reason: "bad token" } }, "raw CONNECT_ERROR");
  details.wire = `4${raw}`;
  good.close();
  root.close();
  return details;
}
