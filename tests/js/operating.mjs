#!/usr/bin/env node
// Operating a server: the client's address, TLS, the binary's flags, graceful shutdown,
// the application's own routes. Driven by `tests/tests/operating.rs`.
//
// Usage: node operating.mjs <scenario> <http(s)://host:port> [json options]
//
// Options (JSON, 3rd argument): `ca` (a PEM file to trust for https/wss), `expect` (an
// address), `xff` (an X-Forwarded-For value to send), `allowed` (a CORS origin), `max`
// (the server's maxPayload), `pad` (send 40 extra headers: served by hyper). The Socket.IO scenarios (`sio-*`) expect a server at
// /socket.io/ whose "whoami" event acks the socket's handshake as
// `{ address, secure, url, xff, issued }` and whose "echo" event acks its arguments. The
// Engine.IO ones (`eio-*`) expect the `sio-smol` binary (an echo server at /engine.io/,
// default heartbeat). Shutdown scenarios print `ready` once their clients are connected,
// then wait for the server to close them. Output as the other drivers: `ok <scenario>
// <json>` and exit 0, or the reason on stderr and exit 1.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { WebSocket } from "ws";
import { EioPeer } from "./lib/peer.mjs";
import { SioPeer } from "./lib/sio-peer.mjs";
import { check, runScenario, sleep, withTimeout } from "./lib/util.mjs";

const OPTS = JSON.parse(process.argv[4] ?? "{}");
/** TLS options for every client: trust the test's own certificate authority. */
const TLS = OPTS.ca ? { ca: readFileSync(OPTS.ca), rejectUnauthorized: true } : {};

/** An HTTP(S) request with node:http (no header is forbidden, unlike fetch's). */
function request(url, { method = "GET", headers = {}, body } = {}) {
  const lib = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, ...TLS }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** 40 headers: a request with more than 32 is served by hyper, not the hyper-less path. */
function padding() {
  const many = {};
  for (let i = 0; i < 40; i++) many[`x-pad-${i}`] = `${i}`;
  return many;
}

/** A Socket.IO client on `transport` that asks the server for its handshake. */
async function whoami(base, transport, extra = {}) {
  const peer = await new SioPeer(base, { transport, label: transport, ...TLS, ...extra }).open();
  const info = await withTimeout(peer.socket.emitWithAck("whoami"), 5000, `${transport}: whoami`);
  return { peer, info };
}

/** `sio-address`: the handshake's address on polling and on WebSocket. */
async function sioAddress(base) {
  const seen = {};
  const extraHeaders = {};
  if (OPTS.xff) extraHeaders["x-forwarded-for"] = OPTS.xff;
  if (OPTS.pad) Object.assign(extraHeaders, padding());
  for (const transport of ["polling", "websocket"]) {
    const { peer, info } = await whoami(base, transport, { extraHeaders });
    check(info.address === OPTS.expect, `${transport}: address ${JSON.stringify(info)}, expected ${OPTS.expect}`);
    check(info.xff === (OPTS.xff ?? null), `${transport}: X-Forwarded-For header ${JSON.stringify(info.xff)}`);
    check(info.secure === false, `${transport}: secure on plain HTTP: ${JSON.stringify(info)}`);
    check(info.url.startsWith("/socket.io/?") && info.url.includes("EIO=4"), `${transport}: url ${info.url}`);
    check(Math.abs(Date.now() - info.issued) < 60000, `${transport}: issued ${info.issued}, now ${Date.now()}`);
    seen[transport] = info;
    peer.close();
  }
  return seen;
}

/**
 * `sio-tls`: Socket.IO over https/wss on polling, WebSocket and polling upgraded to
 * WebSocket, each on the hyper-less path and (40 extra headers) on hyper's; a route over
 * https too.
 */
async function sioTls(base) {
  check(base.startsWith("https://"), "sio-tls needs an https:// base");
  const many = padding();
  const big = "é".repeat(100000); // several TLS records each way
  const done = [];
  for (const [label, transport, extraHeaders] of [
    ["polling", "polling", undefined],
    ["websocket", "websocket", undefined],
    ["upgrade", "default", undefined],
    ["polling via hyper", "polling", many],
    ["upgrade via hyper", "default", many],
  ]) {
    const { peer, info } = await whoami(base, transport, extraHeaders ? { extraHeaders } : {});
    check(info.secure === true, `${label}: not secure: ${JSON.stringify(info)}`);
    check(info.address === "127.0.0.1", `${label}: address ${info.address}`);
    if (transport === "default") {
      const engine = peer.socket.io.engine;
      if (engine.transport.name !== "websocket") {
        await withTimeout(new Promise((r) => engine.once("upgrade", r)), 5000, `${label}: upgrade`);
      }
    }
    const echoed = await withTimeout(peer.socket.emitWithAck("echo", big), 10000, `${label}: echo`);
    check(echoed === big, `${label}: echo differs`);
    done.push(`${label} on ${peer.socket.io.engine.transport.name}`);
    peer.close();
  }
  const health = await request(`${base}/health`);
  check(health.status === 200 && health.body === "ok", `GET /health over https: ${JSON.stringify(health)}`);
  return done;
}

/** `eio-tls`: engine.io-client over https/wss: polling, WebSocket, upgrade; echoes. */
async function eioTls(base) {
  check(base.startsWith("https://"), "eio-tls needs an https:// base");
  const out = [];
  for (const transports of [["polling"], ["websocket"], undefined]) {
    const peer = await new EioPeer(base, { ...TLS, ...(transports ? { transports } : {}) }).open();
    if (!transports) {
      if (peer.transport !== "websocket") {
        await withTimeout(new Promise((r) => peer.socket.once("upgrade", r)), 5000, "upgrade over TLS");
      }
    }
    const n = await peer.echo(["over TLS €", "x".repeat(70000)], "echo over TLS");
    out.push(`${peer.transport}:${n}`);
    peer.close();
  }
  return out;
}

/** `eio-no-websocket`: no upgrade offered, the client stays on polling; a WebSocket is refused. */
async function eioNoWebsocket(base) {
  const peer = await new EioPeer(base, {}).open();
  check(JSON.stringify(peer.handshake.upgrades) === "[]", `upgrades offered: ${JSON.stringify(peer.handshake.upgrades)}`);
  let upgraded = false;
  peer.socket.on("upgrade", () => { upgraded = true; });
  await peer.echo(["on polling"], "echo");
  await sleep(300);
  check(!upgraded && peer.transport === "polling", `upgraded to ${peer.transport}`);
  peer.close();
  const wsUrl = `${base.replace(/^http/, "ws")}/engine.io/?EIO=4&transport=websocket`;
  const refused = await withTimeout(new Promise((resolve) => {
    const ws = new WebSocket(wsUrl);
    ws.on("open", () => { ws.close(); resolve("opened"); });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
    ws.on("error", (err) => resolve(`error ${err.message}`));
  }), 5000, "websocket attempt");
  check(typeof refused === "number" && refused >= 400, `a WebSocket was not refused: ${refused}`);
  return { refusedWith: refused };
}

/** `eio-cors`: a preflight and a handshake from the allowed origin get CORS headers; from another, none. */
async function eioCors(base) {
  const url = `${base}/engine.io/?EIO=4&transport=polling`;
  const preflight = (origin) => request(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
  const ok = await preflight(OPTS.allowed);
  check(ok.status === 204 || ok.status === 200, `preflight status ${ok.status}`);
  check(ok.headers["access-control-allow-origin"] === OPTS.allowed, `preflight ACAO: ${JSON.stringify(ok.headers)}`);
  check(/POST/.test(ok.headers["access-control-allow-methods"] ?? ""), `preflight methods: ${JSON.stringify(ok.headers)}`);
  const other = await preflight("https://other.example");
  check(other.headers["access-control-allow-origin"] === undefined, `ACAO for another origin: ${JSON.stringify(other.headers)}`);
  const hs = await request(url, { headers: { origin: OPTS.allowed } });
  check(hs.status === 200 && hs.headers["access-control-allow-origin"] === OPTS.allowed, `handshake: ${hs.status} ${JSON.stringify(hs.headers)}`);
  const hsOther = await request(url, { headers: { origin: "https://other.example" } });
  check(hsOther.headers["access-control-allow-origin"] === undefined, `handshake ACAO for another origin: ${JSON.stringify(hsOther.headers)}`);
  return { preflight: ok.status, allowMethods: ok.headers["access-control-allow-methods"] };
}

/** `eio-max-payload`: a message over maxPayload closes the session, on WebSocket and on polling. */
async function eioMaxPayload(base) {
  const reasons = {};
  for (const transport of ["websocket", "polling"]) {
    const peer = await new EioPeer(base, { transports: [transport], label: transport }).open();
    check(peer.handshake.maxPayload === OPTS.max, `${transport}: maxPayload ${peer.handshake.maxPayload}`);
    await peer.echo(["x".repeat(OPTS.max - 100)], `${transport}: a message under the limit`);
    const sid = peer.socket.id;
    const closed = new Promise((r) => peer.socket.once("close", (reason) => r(reason)));
    peer.send("y".repeat(OPTS.max * 2));
    reasons[transport] = await withTimeout(closed, 5000, `${transport}: close after an over-size message`);
    // The session is gone on the server, not only on the client.
    const after = await request(`${base}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    check(after.status === 400 && after.body.includes("Session ID unknown"), `${transport}: session still there: ${JSON.stringify(after)}`);
  }
  // As Node's engine.io: the WebSocket closes with 1009 ("transport close" for the
  // client). A POST over maxHttpBufferSize closes the session: the client sees either the
  // close packet on its waiting GET ("transport close", answered before the 413) or, when
  // the 413 comes first or no GET was waiting, the failed POST ("transport error"). Which
  // one is a race on two connections, with Node as with us; the session is gone either way.
  check(reasons.websocket === "transport close", `websocket: ${reasons.websocket}`);
  check(
    reasons.polling === "transport close" || reasons.polling === "transport error",
    `polling: ${reasons.polling}`,
  );
  return reasons;
}

/**
 * What a polling client sees when the server shuts down: "transport close" (the close
 * packet on its waiting GET), or, when the shutdown came between two of its GETs,
 * "transport error" (the next GET finds no session: 400), as with Node's `io.close()`.
 * Either way the client reconnects by itself.
 */
const POLLING_CLOSE = ["transport close", "transport error"];

/** Resolves with a close reason for each peer once all closed. */
function allClosed(peers, ms) {
  return withTimeout(Promise.all(peers.map((p) => new Promise((r) => {
    if (p.closed) r(p.closed);
    p.socket.once("close", (reason) => r(reason));
  }))), ms, "every client closed by the server");
}

/** `eio-shutdown`: WebSocket and polling clients; the server is stopped after `ready`. */
async function eioShutdown(base) {
  const ws = await new EioPeer(base, { transports: ["websocket"], label: "websocket" }).open();
  const polling = await new EioPeer(base, { transports: ["polling"], label: "polling" }).open();
  await ws.echo(["hi"], "ws echo");
  await polling.echo(["hi"], "polling echo");
  console.log("ready");
  const [wsReason, pollingReason] = await allClosed([ws, polling], 10000);
  check(wsReason === "transport close", `websocket closed with ${wsReason}`);
  check(POLLING_CLOSE.includes(pollingReason), `polling closed with ${pollingReason}`);
  return { websocket: wsReason, polling: pollingReason };
}

/** `sio-shutdown`: Socket.IO clients see "transport close" (and would reconnect) when the server stops. */
async function sioShutdown(base) {
  const peers = [];
  for (const transport of ["websocket", "polling"]) {
    const peer = new SioPeer(base, { transport, label: transport, reconnectionDelay: 60000, reconnectionDelayMax: 60000 });
    peers.push(await peer.open());
  }
  console.log("ready");
  const reasons = [];
  for (const peer of peers) {
    const args = await peer.next("disconnect", 10000);
    reasons.push(args[0]);
    const expected = peer.label === "polling" ? POLLING_CLOSE : ["transport close"];
    check(expected.includes(args[0]), `${peer.label}: disconnect reason ${args[0]}`);
    check(peer.socket.active, `${peer.label}: not reconnecting after a server shutdown`);
    peer.close();
  }
  return reasons;
}

/** `route`: the application's own routes, next to the Socket.IO endpoint. */
async function route(base) {
  const health = await request(`${base}/health`);
  check(health.status === 200 && health.body === "ok", `/health: ${JSON.stringify(health)}`);
  check(health.headers["content-type"].startsWith("text/plain"), `/health type ${health.headers["content-type"]}`);
  const hello = await request(`${base}/hello?name=w%C3%B6rld`, { headers: { "x-forwarded-for": "198.51.100.4" } });
  check(hello.status === 200 && hello.headers["content-type"] === "application/json", `/hello: ${JSON.stringify(hello)}`);
  const json = JSON.parse(hello.body);
  check(json.hello === "wörld" && json.method === "GET", `/hello body ${hello.body}`);
  check(json.address === (OPTS.expect ?? "127.0.0.1"), `/hello address ${hello.body}`);
  const echo = await request(`${base}/echo`, { method: "POST", body: "ping ✓" });
  check(echo.status === 200 && echo.body === "ping ✓", `/echo: ${JSON.stringify(echo)}`);
  const big = await request(`${base}/echo`, { method: "POST", body: "z".repeat(5000) });
  check(big.status === 413, `/echo with a body over the limit: ${big.status}`);
  const missing = await request(`${base}/nope`);
  check(missing.status === 404 && missing.body === "nothing at /nope", `/nope: ${JSON.stringify(missing)}`);
  const hs = await request(`${base}/socket.io/?EIO=4&transport=polling`);
  check(hs.status === 200 && hs.body.startsWith("0{"), `the engine still answers: ${JSON.stringify(hs)}`);
  return { health: health.body, hello: json };
}

runScenario("operating.mjs", {
  "sio-address": [sioAddress, 20000],
  "sio-tls": [sioTls, 60000],
  "eio-tls": [eioTls, 30000],
  "eio-no-websocket": [eioNoWebsocket, 15000],
  "eio-cors": [eioCors, 10000],
  "eio-max-payload": [eioMaxPayload, 20000],
  "eio-shutdown": [eioShutdown, 20000],
  "sio-shutdown": [sioShutdown, 20000],
  route: [route, 10000],
});
