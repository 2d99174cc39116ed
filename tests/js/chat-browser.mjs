#!/usr/bin/env node
// Browser test of the chat example (examples/chat/public) with Chromium via playwright-core.
//
// Usage: node chat-browser.mjs <base-url> <screenshot-path> [<base-url-B>]
//
// With <base-url-B>, page B is opened there: two servers of one cluster
// (examples/cluster_chat.rs), each relaying to the other's pages; /online of either must count
// both pages. Without it, both pages are on <base-url>.
//
// The server at <base-url> serves the chat page at "/", the socket.io-client bundle at
// /socket.io/socket.io.js and the chat server: on connection it broadcasts
// "user connected" {id}, relays "chat message" text as {id, text} to the others, and
// broadcasts "user disconnected" {id}. Needs Debian's chromium at /usr/bin/chromium.
//
// Two pages (separate browser contexts) open the chat; both must show "connected"; A must
// show B joining; a message typed in A (with HTML in it, shown as text) appears in B as
// "<A's short id>: text" and in A as "me: text"; B answers by clicking Send. Then A sends
// enough messages to overflow the list (FLOOD): on both pages the last one must be inside
// the list's visible box (the list follows new lines while it is at the bottom); on B,
// scrolled to the top, a new line must not move the list (the reader is left where they
// are), and back at the bottom, it follows again. A screenshot of B is saved; when B leaves,
// A shows it. Prints `ok chat-browser <json>` and exits 0, or
// prints the reason to stderr and exits 1 (2 for a usage error).

import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { chromium } from "playwright-core";
import { check, withTimeout } from "./lib/util.mjs";

const TIMEOUT_MS = 60000;
const STEP_MS = 10000;
/** Messages A sends to overflow the list (about 10 lines fit at the 720x540 viewport). */
const FLOOD = 40;
const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const shortId = (id) => id.slice(0, 6);

/** Opens the chat in a new context; records page errors and WebSocket URLs. */
async function openChat(browser, base, label, problems) {
  const context = await browser.newContext({ viewport: { width: 720, height: 540 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const info = { label, page, context, websockets: [] };
  page.on("pageerror", (err) => problems.push(`${label}: page error: ${err.message}`));
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`${label}: console error: ${msg.text()} (${msg.location()?.url})`); });
  page.on("websocket", (ws) => info.websockets.push(ws.url()));
  page.on("requestfailed", (req) => {
    const url = req.url();
    // A long-poll cut short when the transport upgrades is normal.
    if (!url.includes("/socket.io/?")) problems.push(`${label}: request failed: ${url} ${req.failure()?.errorText}`);
  });
  const response = await page.goto(`${base}/`);
  check(response?.ok(), `${label}: GET / answered ${response?.status()}`);
  check(await page.evaluate(() => typeof io === "function"), `${label}: the socket.io-client bundle did not load`);
  await page.waitForFunction(() => document.querySelector("#status")?.textContent === "connected");
  info.id = await page.getAttribute("#me", "data-id");
  check(typeof info.id === "string" && info.id.length >= 6, `${label}: no socket id on #me (${info.id})`);
  return info;
}

/** Waits until `page` has a `#messages li` of `kind` whose whole text is `text`. */
async function waitLine(chat, kind, text) {
  try {
    await chat.page.waitForFunction(
      ([k, t]) => [...document.querySelectorAll(`#messages li.${k}`)].some((li) => li.textContent === t),
      [kind, text],
    );
  } catch (err) {
    const lines = await chat.page.$$eval("#messages li", (lis) => lis.map((li) => `${li.className}|${li.textContent}`));
    throw new Error(`${chat.label}: no ${kind} line ${JSON.stringify(text)}; lines: ${JSON.stringify(lines)} (${err.message.split("\n")[0]})`);
  }
}

/** Types `text` into the page's input and sends it with Enter. */
async function send(chat, text) {
  await chat.page.fill("#input", text);
  await chat.page.press("#input", "Enter");
}

/**
 * Where the last `#messages li` is against the list's visible box (its client area, the
 * border box minus borders and scrollbar): `visible` when it lies wholly inside (1 px
 * tolerance for subpixel layout). Also the list's scroll state, for messages.
 */
const lastLineView = (chat) => chat.page.evaluate(() => {
  const list = document.getElementById("messages");
  const last = list.lastElementChild;
  const box = list.getBoundingClientRect();
  const top = box.top + list.clientTop;
  const bottom = top + list.clientHeight;
  const line = last.getBoundingClientRect();
  return {
    visible: line.top >= top - 1 && line.bottom <= bottom + 1,
    text: last.textContent,
    line: { top: line.top, bottom: line.bottom },
    list: { top, bottom },
    scrollTop: list.scrollTop,
    scrollHeight: list.scrollHeight,
    clientHeight: list.clientHeight,
    overflows: list.scrollHeight > list.clientHeight,
  };
});

/** Checks that the last line of `chat` is `text` and lies inside the list's visible box. */
async function checkLastVisible(chat, text, when) {
  const view = await lastLineView(chat);
  check(view.text === text, `${chat.label}: last line is ${JSON.stringify(view.text)}, not ${JSON.stringify(text)} (${when})`);
  check(view.visible, `${chat.label}: the last line is outside the list's visible box ${when}: ${JSON.stringify(view)}`);
  return view;
}

/** Counts `#messages li` lines of `kind` whose text is `text`. */
const countLines = (chat, kind, text) => chat.page.$$eval(`#messages li.${kind}`,
  (lis, t) => lis.filter((li) => li.textContent === t).length, text);

async function run(base, screenshot, baseB) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const problems = [];
  try {
    const a = await openChat(browser, base, "page A", problems);
    const b = await openChat(browser, baseB, "page B", problems);
    check(a.id !== b.id, "both pages got the same socket id");
    await waitLine(a, "system", `${shortId(b.id)} joined`);
    // The server's own HTTP route beside Socket.IO (both servers': the whole cluster's count).
    for (const server of new Set([base, baseB])) {
      const online = await (await fetch(`${server}/online`)).json();
      check(online.online === 2, `${server}/online answered ${JSON.stringify(online)} with two pages open`);
    }

    const tag = `${Date.now().toString(36)}-${process.pid}`;
    const fromA = `hello from A ${tag} ✓ <b>not bold</b> & "quotes"`;
    await a.page.fill("#input", fromA);
    await a.page.press("#input", "Enter");
    await waitLine(a, "self", `me: ${fromA}`);
    await waitLine(b, "other", `${shortId(a.id)}: ${fromA}`);
    check(await a.page.inputValue("#input") === "", "page A: input not cleared after sending");
    check(await b.page.$("#messages li b") === null, "page B: message HTML was rendered, not shown as text");

    const fromB = `reply from B ${tag} Grüße 😀`;
    await b.page.fill("#input", fromB);
    await b.page.click("#form button");
    await waitLine(b, "self", `me: ${fromB}`);
    await waitLine(a, "other", `${shortId(b.id)}: ${fromB}`);
    check(await countLines(a, "other", `${shortId(a.id)}: ${fromA}`) === 0, "page A: got its own message back");
    check(await countLines(b, "other", `${shortId(b.id)}: ${fromB}`) === 0, "page B: got its own message back");
    check(await countLines(b, "other", `${shortId(a.id)}: ${fromA}`) === 1, "page B: A's message shown more than once");

    // Overflow the list: both pages must keep the newest line in view.
    const line = (k) => `line ${k} of ${FLOOD} ${tag}`;
    for (let k = 1; k <= FLOOD; k++) await send(a, line(k));
    await waitLine(a, "self", `me: ${line(FLOOD)}`);
    await waitLine(b, "other", `${shortId(a.id)}: ${line(FLOOD)}`);
    const flooded = await checkLastVisible(b, `${shortId(a.id)}: ${line(FLOOD)}`, `after ${FLOOD} messages from A`);
    check(flooded.overflows, `page B: ${FLOOD} messages did not overflow the list: ${JSON.stringify(flooded)}`);
    await checkLastVisible(a, `me: ${line(FLOOD)}`, `after sending ${FLOOD} messages`);

    // A reader who scrolled up stays where they are; back at the bottom, the list follows.
    await b.page.evaluate(() => { document.getElementById("messages").scrollTop = 0; });
    const away = `while B reads older lines ${tag}`;
    await send(a, away);
    await waitLine(b, "other", `${shortId(a.id)}: ${away}`);
    const kept = await b.page.evaluate(() => document.getElementById("messages").scrollTop);
    check(kept === 0, `page B: a new line moved the list the reader had scrolled to the top (scrollTop ${kept})`);
    await b.page.evaluate(() => { const l = document.getElementById("messages"); l.scrollTop = l.scrollHeight; });
    const back = `after B scrolled back down ${tag}`;
    await send(a, back);
    await waitLine(b, "other", `${shortId(a.id)}: ${back}`);
    await checkLastVisible(b, `${shortId(a.id)}: ${back}`, "after scrolling back to the bottom");

    await b.page.waitForTimeout(100); // let the last paint settle
    const path = resolve(screenshot);
    await mkdir(dirname(path), { recursive: true });
    await b.page.screenshot({ path });

    await b.context.close();
    await waitLine(a, "system", `${shortId(b.id)} left`);
    check(problems.length === 0, `browser problems:\n  ${problems.join("\n  ")}`);
    return {
      a: a.id, b: b.id, servers: [base, baseB], message: fromA, reply: fromB, flood: FLOOD, screenshot: path,
      websockets: { a: a.websockets.length, b: b.websockets.length },
      browser: browser.version(),
    };
  } finally {
    await browser.close();
  }
}

async function main() {
  const [base, screenshot, baseB = base] = process.argv.slice(2);
  const isBase = (url) => /^https?:\/\/[^/]+$/.test(url ?? "");
  if (!isBase(base) || !screenshot || !isBase(baseB)) {
    console.error("usage: node chat-browser.mjs <http://host:port> <screenshot-path> [<http://host:port of page B>]");
    process.exit(2);
  }
  try {
    const details = await withTimeout(run(base, screenshot, baseB), TIMEOUT_MS, "chat-browser");
    console.log(`ok chat-browser ${JSON.stringify(details)}`);
    process.exit(0);
  } catch (err) {
    console.error(`FAIL chat-browser: ${err?.stack ?? err}`);
    process.exit(1);
  }
}

main();
