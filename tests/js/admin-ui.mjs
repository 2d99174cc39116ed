#!/usr/bin/env node
// The Socket.IO Admin UI (@socket.io/admin-ui 0.5.1, its ui/dist) against our server, in
// headless Chromium driven by playwright-core, with npm socket.io-client peers.
//
// Usage: node admin-ui.mjs <server-url> <ui-dist-dir> <screenshot-dir> <username> <password>
//
// The server at <server-url> is instrumented (admin namespace /admin, basic auth with a bcrypt
// hash of <password>, development mode, CORS for any origin with credentials) and serves "/"
// and "/chat", where a socket's "join" event (room, ack) joins it to the room and "rooms"
// (ack) answers its rooms, as the server sees them.
//
// Steps: three clients connect ("/" twice, "/chat" once) and join rooms; a wrong password and
// a wrong user name on /admin are refused with "invalid credentials"; the UI, served here on
// 127.0.0.1 from <ui-dist-dir>, is loaded and its connection form filled (server URL, user
// name, password); the sockets view lists the clients of each namespace, and the rooms view
// their rooms (sockets.png, rooms.png); a client connecting now appears without a reload
// (live.png); on a socket's page the UI joins it to a room, makes it leave the room and
// disconnects it, each checked on the server (the "rooms" ack) and on the client (its
// "disconnect"), and in the UI (socket.png). Prints `ok admin-ui <json>` (the ids, the
// screenshots) and exits 0, or prints the reason to stderr and exits 1 (2 for a usage error).

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";
import { io } from "socket.io-client";
import { check, withTimeout } from "./lib/util.mjs";

const TIMEOUT_MS = 90000;
const STEP_MS = 15000;
const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const TYPES = {
  ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png",
  ".svg": "image/svg+xml", ".map": "application/json",
};

/** Serves `dir` on 127.0.0.1 (an ephemeral port); resolves to its base URL and server. */
async function serveStatic(dir) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, server };
}

/** A client of `nsp`, connected. */
function connect(base, nsp, opts = {}) {
  return withTimeout(new Promise((ok, fail) => {
    const socket = io(`${base}${nsp}`, { forceNew: true, reconnection: false, ...opts });
    socket.once("connect", () => ok(socket));
    socket.once("connect_error", (err) => fail(new Error(`${nsp}: connect_error ${err.message}`)));
  }), STEP_MS, `connect to ${nsp}`);
}

/** The connect_error message of an /admin login with `auth` (fails if it connects). */
function refusal(base, auth) {
  return withTimeout(new Promise((ok, fail) => {
    const socket = io(`${base}/admin`, { forceNew: true, reconnection: false, auth });
    socket.once("connect", () => { socket.close(); fail(new Error(`/admin let ${JSON.stringify(auth.username)} in`)); });
    socket.once("connect_error", (err) => { socket.close(); ok(err.message); });
  }), STEP_MS, "an /admin refusal");
}

/** The rooms of `socket` as the server reports them, sorted. */
const rooms = async (socket) => (await socket.timeout(STEP_MS).emitWithAck("rooms")).sort();

/** Waits until every string of `texts` is in the page's text. */
async function waitTexts(page, texts, what) {
  try {
    await page.waitForFunction((ts) => ts.every((t) => document.body.innerText.includes(t)), texts);
  } catch (err) {
    const text = await page.evaluate(() => document.body.innerText);
    throw new Error(`${what}: ${JSON.stringify(texts)} not all shown; page text: ${JSON.stringify(text.slice(0, 1500))} (${err.message.split("\n")[0]})`);
  }
}

/** Waits until `text` is no longer in the page's text. */
async function waitGone(page, text, what) {
  try {
    await page.waitForFunction((t) => !document.body.innerText.includes(t), text);
  } catch (err) {
    throw new Error(`${what}: ${JSON.stringify(text)} still shown (${err.message.split("\n")[0]})`);
  }
}

/** Waits until the UI's store has socket `id` of "/" in `room` (`present`) or not. */
async function waitRoom(page, id, room, present, what) {
  try {
    await page.waitForFunction(([i, r, p]) => {
      const s = document.querySelector("#app").__vue__.$store.getters["main/findSocketById"]("/", i);
      return s !== undefined && s.rooms.includes(r) === p;
    }, [id, room, present]);
  } catch (err) {
    throw new Error(`${what} (${err.message.split("\n")[0]})`);
  }
}

/** Selects the namespace `name` in the UI (its store: the selector is a menu of the app bar). */
async function selectNamespace(page, name) {
  await page.waitForFunction((n) => {
    const store = document.querySelector("#app").__vue__.$store;
    const ns = store.state.main.namespaces.find((x) => x.name === n);
    if (ns) store.commit("main/selectNamespace", ns);
    return ns !== undefined;
  }, name);
}

async function run(base, uiDir, shotDir, username, password) {
  await mkdir(shotDir, { recursive: true });
  const shots = {};
  const ui = await serveStatic(uiDir);
  const a = await connect(base, "/");
  const b = await connect(base, "/", { transports: ["websocket"] });
  const c = await connect(base, "/chat");
  const aId = a.id; // a client forgets its id when disconnected
  await a.timeout(STEP_MS).emitWithAck("join", "lobby");
  await b.timeout(STEP_MS).emitWithAck("join", "lobby");
  await b.timeout(STEP_MS).emitWithAck("join", "vip");
  await c.timeout(STEP_MS).emitWithAck("join", "general");
  check(JSON.stringify(await rooms(b)) === JSON.stringify([b.id, "lobby", "vip"].sort()), `b's rooms: ${await rooms(b)}`);

  const wrongPassword = await refusal(base, { username, password: `${password}-not` });
  check(wrongPassword === "invalid credentials", `wrong password: ${wrongPassword}`);
  const wrongUser = await refusal(base, { username: `${username}-not`, password });
  check(wrongUser === "invalid credentials", `wrong user name: ${wrongUser}`);

  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    // The page links fonts and icons from CDNs: offline here, refused at once.
    await page.route((url) => url.hostname !== "127.0.0.1", (route) => route.abort());

    await page.goto(`${ui.url}/`);
    await page.getByLabel("Server URL").fill(base);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.waitForFunction(() => document.querySelector("#app").__vue__.$store.state.connection.connected === true);
    const session = await page.evaluate(() => localStorage.getItem("session_id"));
    check(typeof session === "string" && session.length > 0, `no session id saved (${session})`);

    await page.evaluate(() => { location.hash = "#/sockets/"; });
    await selectNamespace(page, "/");
    await waitTexts(page, [a.id, b.id], "sockets of /");
    shots.sockets = join(shotDir, "sockets.png");
    await page.screenshot({ path: shots.sockets, fullPage: true });
    await selectNamespace(page, "/chat");
    await waitTexts(page, [c.id], "sockets of /chat");

    await page.evaluate(() => { location.hash = "#/rooms/"; });
    await waitTexts(page, ["general"], "rooms of /chat");
    await selectNamespace(page, "/");
    await waitTexts(page, ["lobby", "vip"], "rooms of /");
    shots.rooms = join(shotDir, "rooms.png");
    await page.screenshot({ path: shots.rooms, fullPage: true });

    // Live: a client connecting now shows up without a reload.
    await page.evaluate(() => { location.hash = "#/sockets/"; });
    const d = await connect(base, "/");
    await waitTexts(page, [d.id], "a client connected after the UI opened");
    shots.live = join(shotDir, "live.png");
    await page.screenshot({ path: shots.live, fullPage: true });

    // The UI's actions, on a's page: join a room, leave it, disconnect.
    await page.evaluate((id) => { location.hash = `#/n/${encodeURIComponent("/")}/sockets/${id}`; }, a.id);
    await waitTexts(page, [a.id, "lobby"], "a's page");
    await page.getByRole("textbox", { name: "Join a room" }).fill("from-ui");
    await page.locator("button:has(i.mdi-tag-plus-outline)").click();
    // The UI shows the room once the server reports the join (room_joined).
    await waitRoom(page, a.id, "from-ui", true, "the UI showing a in from-ui");
    check((await rooms(a)).includes("from-ui"), `the server has a in ${await rooms(a)}`);
    await page.locator("tr", { hasText: "from-ui" }).first().waitFor();
    shots.socket = join(shotDir, "socket.png");
    await page.screenshot({ path: shots.socket, fullPage: true });
    await page.locator("tr", { hasText: "from-ui" }).locator("button:has(i.mdi-tag-off-outline)").click();
    await waitRoom(page, a.id, "from-ui", false, "the UI showing a out of from-ui");
    check(!(await rooms(a)).includes("from-ui"), `the server still has a in from-ui`);

    await page.evaluate((id) => { location.hash = `#/n/${encodeURIComponent("/")}/sockets/${id}`; }, a.id);
    await waitTexts(page, [a.id], "a's page again");
    const reason = new Promise((ok) => a.once("disconnect", ok));
    // The Status row's button ("Disconnect this Socket instance"; the Client row's closes the
    // whole connection).
    await page.locator("button.ml-3:has(i.mdi-logout)").click();
    const why = await withTimeout(reason, STEP_MS, "a's disconnect");
    check(why === "io server disconnect", `a disconnected for ${why}`);
    check(b.connected && c.connected && d.connected, "only a is disconnected");
    check(problems.length === 0, `page problems: ${problems.join("; ")}`);
    console.log(`ok admin-ui ${JSON.stringify({ disconnected: aId, live: d.id, ids: [b.id, c.id], shots })}`);
  } finally {
    await browser.close();
    for (const s of [a, b, c]) s.close();
    ui.server.close();
  }
}

const [base, uiDir, shotDir, username, password] = process.argv.slice(2);
if (!password) {
  console.error("usage: node admin-ui.mjs <server-url> <ui-dist-dir> <screenshot-dir> <username> <password>");
  process.exit(2);
}
try {
  await withTimeout(run(base, uiDir, shotDir, username, password), TIMEOUT_MS, "the admin UI scenario");
  process.exit(0);
} catch (err) {
  console.error(err?.stack ?? String(err));
  process.exit(1);
}
