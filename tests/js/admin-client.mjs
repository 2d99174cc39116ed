#!/usr/bin/env node
// The admin UI's protocol (@socket.io/admin-ui 0.5.1) played with socket.io-client, as the UI's
// own code sends and expects it, against an instrumented server (namespace /admin).
//
// Usage: node admin-client.mjs <server-url> <username> <password>
//
// A client connects to "/"; an /admin login with a wrong password is refused with "invalid
// credentials"; the right one connects and gets "session", "config" and "all_sockets" (listing
// the client), then "server_stats" within 4 s, and a client connecting while the password is
// checked is connected first (the check is off the server's event loop); a second login with the session id alone
// connects; "_disconnect" (nsp "/", close false, the client's id) disconnects the client.
// Prints `ok admin-client <json>` (the stats, the config, the login's duration in ms) and exits
// 0, or prints the reason to stderr and exits 1 (2 for a usage error).

import { io } from "socket.io-client";
import { check, withTimeout } from "./lib/util.mjs";

const STEP_MS = 10000;

/** Connects to `nsp` with `auth`; resolves to the socket, or rejects with the connect_error. */
function connect(base, nsp, auth, opts = {}) {
  return withTimeout(new Promise((ok, fail) => {
    const socket = io(`${base}${nsp}`, { forceNew: true, reconnection: false, auth, ...opts });
    socket.once("connect", () => ok(socket));
    socket.once("connect_error", (err) => { socket.close(); fail(err); });
  }), STEP_MS, `connect to ${nsp}`);
}

/** Resolves to the first arguments of `event` on `socket`. */
const next = (socket, event, ms = STEP_MS) =>
  withTimeout(new Promise((ok) => socket.once(event, (...args) => ok(args))), ms, `event ${event}`);

async function run(base, username, password) {
  const client = await connect(base, "/", {});
  const clientId = client.id;
  const refused = await connect(base, "/admin", { username, password: `${password}x` }).then(
    (s) => { s.close(); return "connected"; },
    (err) => err.message,
  );
  check(refused === "invalid credentials", `a wrong password: ${refused}`);

  const started = Date.now();
  const admin = io(`${base}/admin`, { forceNew: true, reconnection: false, auth: { username, password } });
  // Registered before the connection: the server sends these right after CONNECT.
  const got = {
    session: next(admin, "session"),
    config: next(admin, "config"),
    all: next(admin, "all_sockets"),
    stats: next(admin, "server_stats", 4000 + STEP_MS),
  };
  // While the password is checked (bcrypt, slow by design), the server still serves: a
  // client connecting meanwhile is done before the login.
  const during = connect(base, "/", {}, { transports: ["websocket"] }).then((s) => { s.close(); return Date.now() - started; });
  await withTimeout(new Promise((ok, fail) => {
    admin.once("connect", ok);
    admin.once("connect_error", fail);
  }), STEP_MS, "the admin login");
  const loginMs = Date.now() - started;
  const duringMs = await during;
  check(duringMs < loginMs, `a client connecting during the login took ${duringMs} ms, the login ${loginMs} ms`);
  const [session] = await got.session;
  const [config] = await got.config;
  const [all] = await got.all;
  check(typeof session === "string" && session.length > 0, `session ${session}`);
  const listed = all.find((s) => s.id === clientId);
  check(listed?.nsp === "/" && listed.rooms.includes(clientId), `all_sockets: ${JSON.stringify(all)}`);
  check(typeof listed.handshake?.headers === "object", `no handshake: ${JSON.stringify(listed)}`);
  const [stats] = await got.stats;

  const again = await connect(base, "/admin", { sessionId: session });
  again.close();

  const gone = next(client, "disconnect");
  admin.emit("_disconnect", "/", false, clientId);
  const [reason] = await gone;
  check(reason === "io server disconnect", `client disconnected for ${reason}`);
  admin.close();
  console.log(`ok admin-client ${JSON.stringify({ stats, config, loginMs, duringMs, listedBytes: JSON.stringify(listed).length })}`);
}

const [base, username, password] = process.argv.slice(2);
if (!password) {
  console.error("usage: node admin-client.mjs <server-url> <username> <password>");
  process.exit(2);
}
try {
  await withTimeout(run(base, username, password), 60000, "the admin client scenario");
  process.exit(0);
} catch (err) {
  console.error(err?.stack ?? String(err));
  process.exit(1);
}
