#!/usr/bin/env node
// socket.io-client 2.5.0's browser bundle (`socket.io-client-v2/dist/socket.io.js`) in headless
// Chromium (playwright-core), on polling only: in a browser the v3 client has XHR2, so binary
// goes in the Engine.IO v3 binary payload framing (`application/octet-stream`) both ways,
// which the Node build of the client never uses (its XMLHttpRequest has no `responseType`).
//
// Usage: node eio3-browser.mjs binary <base-url>
//
// The server at <base-url> is the feature server of README.md with `allow_eio3` on. The page
// is served at <base-url>/eio3.html by the driver itself (playwright's routing), so the
// client's requests are same-origin. In the page: connect on polling, check the socket id is
// the Engine.IO id and the transport supports binary; echo text with astral characters;
// echo binary (small and 100 kB) through an ack and an event; answer a server question with
// binary. The driver checks that responses and requests with binary data were
// `application/octet-stream`. Prints `ok binary <json>` and exits 0, or prints the reason to
// stderr and exits 1.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { check, runScenario, withTimeout } from "./lib/util.mjs";

const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Runs in the page: the tour, resolving with details or rejecting with the reason. */
async function inPage() {
  const fail = (m) => { throw new Error(m); };
  const socket = io("/", { transports: ["polling"], reconnection: false });
  const ack = (...args) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${args[0]}`)), 5000);
    socket.emit(...args, (...reply) => { clearTimeout(timer); resolve(reply); });
  });
  const next = (event) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), 5000);
    socket.once(event, (...args) => { clearTimeout(timer); resolve(args); });
  });
  const bytes = (v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null);
  const same = (got, want, what) => {
    const g = bytes(got);
    if (!g || g.length !== want.length || g.some((b, i) => b !== want[i])) fail(`${what}: ${g?.length} bytes differ`);
  };
  socket.on("ask", (data, cb) => cb({ got: data }));
  const welcome = next("welcome");
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (e) => reject(new Error(`connect_error ${e}`)));
  });
  const [w] = await welcome;
  const engine = socket.io.engine;
  if (w.id !== socket.id || socket.id !== engine.id) fail(`ids: welcome ${w.id}, socket ${socket.id}, engine ${engine.id}`);
  if (!engine.transport.supportsBinary) fail("the polling transport does not support binary");
  const text = "héllo 😀 日本";
  const [echoed] = await ack("echo", text);
  if (echoed !== text) fail(`text echo ${echoed}`);
  const small = Uint8Array.from([0, 1, 2, 255, 10, 58]);
  const large = new Uint8Array(100000).map((_, i) => i & 0xff);
  const [e1, e2] = await ack("echo", small.buffer, { nested: large.buffer });
  same(e1, small, "small echo");
  same(e2.nested, large, "large echo");
  const event = next("echo-event");
  socket.emit("echo-event", small.buffer, "tail");
  const [b, tail] = await event;
  same(b, small, "binary event");
  if (tail !== "tail") fail(`tail ${tail}`);
  const [answer] = await ack("ask-me", small.buffer, 3000);
  same(answer.reply.got, small, "server question");
  const transport = engine.transport.name;
  socket.close();
  return { id: w.id, transport };
}

/** The scenario: the page's tour in Chromium, then the checks on the traffic seen. */
async function binary(base) {
  const require = createRequire(import.meta.url);
  const bundle = await readFile(require.resolve("socket.io-client-v2/dist/socket.io.js"), "utf8");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const problems = [];
    const seen = { binaryResponses: 0, binaryRequests: 0 };
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("response", (res) => {
      if (res.url().includes("/socket.io/") && res.headers()["content-type"] === "application/octet-stream") seen.binaryResponses++;
    });
    page.on("request", (req) => {
      if (req.method() === "POST" && req.headers()["content-type"] === "application/octet-stream") seen.binaryRequests++;
    });
    await page.route(`${base}/eio3.html`, (route) => route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><meta charset="utf-8"><script>${bundle.replace(/<\/script/gi, "<\\/script")}</script>`,
    }));
    await page.goto(`${base}/eio3.html`);
    const details = await withTimeout(page.evaluate(`(${inPage.toString()})()`), 30000, "the page's tour");
    check(problems.length === 0, problems.join("; "));
    check(seen.binaryResponses > 0, "no application/octet-stream polling response");
    check(seen.binaryRequests > 0, "no application/octet-stream POST");
    return { ...details, ...seen };
  } finally {
    await browser.close().catch(() => {});
  }
}

runScenario("eio3-browser.mjs", { binary: [binary, 50000] });
