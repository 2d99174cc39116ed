// Socket.IO scenarios: connecting, multiplexing namespaces, acknowledgements, binary.
// Each takes the server's base URL and resolves with a details object (or throws).

import { SioPeer, binaryKinds, checkDeep, manager, rawConnect } from "./sio-peer.mjs";
import { bytePattern, check, fail, sleep, withTimeout } from "./util.mjs";

const SINGLE = ["polling", "websocket"];

/** Waits for the default-transport peer to finish its upgrade to WebSocket. */
async function upgraded(peer) {
  const engine = peer.socket.io.engine;
  if (engine.transport.name !== "websocket") {
    await withTimeout(new Promise((resolve) => engine.once("upgrade", resolve)), 5000, `${peer.label}: upgrade`);
  }
  check(peer.transport === "websocket", `${peer.label}: transport ${peer.transport} after upgrade`);
}

/**
 * `connect`: for polling-only, websocket-only and default (upgrade) clients: the welcome's id
 * is the client's socket.id (and not the Engine.IO session id), auth passes through, and is
 * `{}` when the client sends none; an echo works (after the upgrade, for the default client).
 */
export async function connect(base) {
  const details = {};
  for (const transport of [...SINGLE, "default"]) {
    const withAuth = new SioPeer(base, { transport, label: `${transport}+auth`, auth: { token: "abc", n: 1 } });
    const noAuth = new SioPeer(base, { transport, label: `${transport}` });
    const [w1, w2] = await Promise.all([withAuth.welcome(), noAuth.welcome()]);
    checkDeep(w1.auth, { token: "abc", n: 1 }, `${transport}: welcome auth`);
    checkDeep(w2.auth, {}, `${transport}: welcome auth without auth`);
    for (const p of [withAuth, noAuth]) {
      check(p.socket.id !== p.engineId, `${p.label}: socket.id equals the Engine.IO sid ${p.engineId}`);
      check(!p.socket.recovered, `${p.label}: recovered is ${p.socket.recovered}`);
      if (transport === "default") await upgraded(p);
      else check(p.transport === transport, `${p.label}: transport ${p.transport}`);
      await p.echo(["hi", transport], "echo after connect");
    }
    check(withAuth.socket.id !== noAuth.socket.id, `${transport}: two clients share socket.id ${noAuth.socket.id}`);
    details[transport] = { id: withAuth.socket.id, engineId: withAuth.engineId, transport: withAuth.transport };
    withAuth.close();
    noAuth.close();
  }
  return details;
}

/**
 * `multiplex`: one Manager with sockets on "/", "/custom" and "/dyn-42" shares one Engine.IO
 * session, each gets its welcome/hello; "/nope" gets connect_error "Invalid namespace" while
 * the others stay usable; leaving "/custom" keeps the session for the others.
 */
export async function multiplex(base) {
  const mgr = manager(base);
  const root = new SioPeer(mgr, { nsp: "/", label: "/" });
  const custom = new SioPeer(mgr, { nsp: "/custom", label: "/custom" });
  const dyn = new SioPeer(mgr, { nsp: "/dyn-42", label: "/dyn-42" });
  const nope = new SioPeer(mgr, { nsp: "/nope", label: "/nope" });
  await root.welcome();
  for (const p of [custom, dyn]) {
    await p.open();
    const [name] = await p.next("hello");
    check(name === p.socket.nsp, `${p.label}: hello ${JSON.stringify(name)}`);
  }
  const { event, args } = await nope.nextOf(["connect", "connect_error"]);
  check(event === "connect_error", `/nope: got "${event}" instead of connect_error`);
  check(args[0]?.message === "Invalid namespace", `/nope: connect_error message ${JSON.stringify(args[0]?.message)}`);
  check(!nope.socket.connected && !nope.socket.active, "/nope: socket still active after connect_error");
  const engineIds = new Set([root, custom, dyn, nope].map((p) => p.engineId));
  check(engineIds.size === 1, `multiplex: ${engineIds.size} Engine.IO sessions: ${[...engineIds]}`);
  const ids = new Set([root, custom, dyn].map((p) => p.socket.id));
  check(ids.size === 3, "multiplex: namespaces share a socket.id");
  await root.echo(["on /"], "after /nope failed");
  await custom.echo(["on /custom", { n: 1 }], "multiplexed echo");
  custom.close();
  await sleep(100);
  await root.echo(["after /custom left"], "after /custom left");
  check(root.engineId === [...engineIds][0], "multiplex: Engine.IO session changed after /custom left");
  await withTimeout(new Promise((resolve) => {
    custom.socket.once("connect", resolve);
    custom.socket.connect();
  }), 3000, "/custom: reconnect on the same Manager");
  const [again] = await custom.next("hello");
  check(again === "/custom", `/custom: second hello ${JSON.stringify(again)}`);
  nope.assertNone("connect", "after connect_error");
  dyn.assertNone("hello", "extra hello");
  const engineId = root.engineId;
  mgr.engine.close();
  const raw = await rawConnect(base, "/nope");
  const prefix = "4/nope,";
  check(typeof raw === "string" && raw.startsWith(prefix), `raw: answer ${JSON.stringify(raw)} to CONNECT /nope`);
  checkDeep(JSON.parse(raw.slice(prefix.length)), { message: "Invalid namespace" }, "raw CONNECT_ERROR for /nope");
  return { engineId, namespaces: 3, wire: `4${raw}` };
}

/** Echo argument lists covering arity 0..n, JSON types, unicode. */
const ECHO_CASES = [
  [],
  ["one"],
  [1, "two", { three: [3] }],
  [{ nested: { deep: [1, { a: null, b: true, c: false }] }, n: -12.5, big: 2 ** 53 - 1 }],
  ["€ ✓ 日本 😀 Ж ع", "line\nbreak\ttab \"quote\" \\ back"],
  ["", 0, null, [], {}],
  [[["deep", ["er"]]], "x".repeat(5000)],
];

/**
 * `acks` (polling-only and websocket-only): client->server acks for ECHO_CASES and 20
 * concurrent acks matched by id; server->client acks (ask-me answered, ask-me never answered
 * -> {error:"timeout"} after ~timeoutMs, a late answer is ignored); a client-side
 * `timeout(500).emitWithAck` of an event the server never acks rejects after ~500 ms.
 */
export async function acks(base) {
  const details = {};
  for (const transport of SINGLE) {
    const peer = new SioPeer(base, { transport, label: `acks/${transport}` });
    await peer.welcome();
    for (const args of ECHO_CASES) await peer.echo(args, `echo of ${args.length} args`);
    const many = Array.from({ length: 20 }, (_, i) => peer.echo([i, `n${i}`], `concurrent ack ${i}`));
    await Promise.all(many);

    let mode = "answer";
    let lateAck = null;
    peer.socket.on("ask", (data, ack) => {
      check(typeof ack === "function", `${peer.label}: "ask" without an ack callback`);
      if (mode === "answer") ack({ got: data });
      else if (mode === "late") lateAck = setTimeout(() => ack("too late"), 400);
    });
    let [reply] = await peer.ack("ask-me", { q: "ping ✓" }, 1000);
    checkDeep(reply, { reply: { got: { q: "ping ✓" } } }, `${peer.label}: ask-me answered`);

    mode = "silent";
    let started = Date.now();
    [reply] = await peer.ack("ask-me", "nobody answers", 300);
    const serverTimeout = Date.now() - started;
    checkDeep(reply, { error: "timeout" }, `${peer.label}: ask-me unanswered`);
    check(serverTimeout >= 280 && serverTimeout < 1500, `${peer.label}: server ack timeout after ${serverTimeout} ms, expected ~300`);

    mode = "late";
    [reply] = await peer.ack("ask-me", "late", 200);
    checkDeep(reply, { error: "timeout" }, `${peer.label}: ask-me answered late`);
    await sleep(400); // the late ack reaches the server, which must ignore it
    mode = "answer";
    [reply] = await peer.ack("ask-me", 2, 1000);
    checkDeep(reply, { reply: { got: 2 } }, `${peer.label}: ask-me after a late ack`);
    clearTimeout(lateAck);

    started = Date.now();
    const outcome = await peer.socket.timeout(500).emitWithAck("never-acked", 1).then(
      (v) => fail(`${peer.label}: never-acked resolved with ${JSON.stringify(v)}`),
      (err) => err,
    );
    const clientTimeout = Date.now() - started;
    check(outcome?.message === "operation has timed out", `${peer.label}: never-acked rejected with ${outcome}`);
    check(clientTimeout >= 490, `${peer.label}: client timeout after ${clientTimeout} ms`);
    check(peer.socket.connected, `${peer.label}: disconnected during acks`);
    details[transport] = { serverTimeoutMs: serverTimeout, clientTimeoutMs: clientTimeout };
    peer.close();
  }
  return details;
}

/** Argument lists with binary values: alone, several, nested, empty, 100 KB. */
function binaryCases() {
  const a = bytePattern(10, 1);
  return [
    [Buffer.from([1, 2, 3])],
    [new Uint8Array([0, 255, 128, 10, 13])],
    ["text", Buffer.from("first"), 42, bytePattern(300, 2), Buffer.from("third ✓")],
    [{ a: { b: [a, { c: Buffer.from("c") }], s: "x" }, list: [Buffer.from([9]), null, Buffer.alloc(0)] }],
    [Buffer.alloc(0)],
    [bytePattern(100 * 1024, 3), "after 100 KB"],
    [{ _placeholder: "not a placeholder", num: "x" }, Buffer.from([7])],
  ];
}

/**
 * `binary` (polling-only and websocket-only): binary arguments round-trip through the echo
 * ack and through echo-event, and through a server->client ack (ask-me with binary data
 * answered with binary); they arrive as Buffers.
 */
export async function binary(base) {
  const details = {};
  for (const transport of SINGLE) {
    const peer = new SioPeer(base, { transport, label: `binary/${transport}` });
    await peer.welcome();
    const kinds = new Set();
    for (const args of binaryCases()) {
      const reply = await peer.echo(args, `echo of ${args.length} args`, 5000);
      binaryKinds(reply, kinds);
      peer.socket.emit("echo-event", ...args);
      const back = await peer.next("echo-event", 5000);
      checkDeep(back, args, `${peer.label}: echo-event`);
    }
    peer.socket.on("ask", (data, ack) => ack([data, Buffer.from("answer")]));
    const payload = { bin: bytePattern(1000, 4), list: [Buffer.from("x")] };
    const [reply] = await peer.ack("ask-me", payload, 2000);
    checkDeep(reply, { reply: [payload, Buffer.from("answer")] }, `${peer.label}: binary ask-me`);
    check(kinds.size === 1 && kinds.has("Buffer"), `${peer.label}: binary arrived as ${[...kinds]}`);
    peer.assertNone("echo-event", "extra echo-event");
    details[transport] = { cases: binaryCases().length, kinds: [...kinds] };
    peer.close();
  }
  return details;
}
