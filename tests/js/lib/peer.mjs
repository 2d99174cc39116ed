// A thin wrapper around the official engine.io-client Socket that queues received messages.

import { Socket } from "engine.io-client";
import { check, checkPayloads, fail, sleep, withTimeout } from "./util.mjs";

/** The server options every driver expects (see the test server's configuration). */
export const SERVER = { pingInterval: 300, pingTimeout: 200, maxPayload: 1000000 };

/** Where the Engine.IO endpoint lives on the server. */
export const EIO_PATH = "/engine.io/";

/** Checks the handshake data (the JSON of the open packet) against SERVER. */
export function checkHandshake(hs, upgrades, context) {
  check(hs && typeof hs === "object", `${context}: no handshake data`);
  check(typeof hs.sid === "string" && hs.sid.length > 0, `${context}: bad sid ${JSON.stringify(hs.sid)}`);
  check(JSON.stringify(hs.upgrades) === JSON.stringify(upgrades),
    `${context}: upgrades ${JSON.stringify(hs.upgrades)}, expected ${JSON.stringify(upgrades)}`);
  for (const key of Object.keys(SERVER)) {
    check(hs[key] === SERVER[key], `${context}: ${key} is ${JSON.stringify(hs[key])}, expected ${SERVER[key]}`);
  }
}

/** One engine.io-client connection with a message inbox. */
export class EioPeer {
  /**
   * `opts` go to engine.io-client (e.g. `transports`); `opts.binaryType` ("nodebuffer" |
   * "arraybuffer") picks how binary messages are delivered; `opts.label` names the peer in errors.
   */
  constructor(baseUrl, opts = {}) {
    const { binaryType, label, ...clientOpts } = opts;
    this.label = label ?? "client";
    this.socket = new Socket(baseUrl, { path: EIO_PATH, ...clientOpts });
    if (binaryType) {
      this.socket.binaryType = binaryType;
      // A websocket-first client created its WebSocket in the constructor already.
      if (this.socket.transport?.ws) this.socket.transport.ws.binaryType = binaryType;
    }
    this.binaryType = this.socket.binaryType;
    this.inbox = [];
    this.pings = 0;
    this.handshake = null;
    this.closed = null;
    this.errors = [];
    this._wake = null;
    this.socket.on("handshake", (data) => { this.handshake = data; });
    this.socket.on("ping", () => { this.pings++; });
    this.socket.on("message", (data) => { this.inbox.push(data); this._notify(); });
    this.socket.on("error", (err) => { this.errors.push(String(err?.message ?? err)); });
    this.socket.on("close", (reason, desc) => {
      this.closed = `${reason}${desc ? ` (${desc?.message ?? desc?.description ?? desc})` : ""}`;
      this._notify();
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", resolve);
      this.socket.once("close", () => reject(new Error(`${this.label}: closed before open: ${this.closed}; errors: ${this.errors.join("; ")}`)));
    });
    this.opened.catch(() => {}); // a failure is reported by whoever awaits `opened`
  }

  _notify() {
    const wake = this._wake;
    this._wake = null;
    wake?.();
  }

  /** The current transport's name ("polling" or "websocket"). */
  get transport() {
    return this.socket.transport?.name;
  }

  /** Waits for the open event (at most `ms`). */
  async open(ms = 5000) {
    await withTimeout(this.opened, ms, `${this.label}: open`);
    return this;
  }

  /** Sends one message (string or binary). */
  send(data) {
    this.socket.send(data);
  }

  /** Resolves with the next `n` received messages; rejects if the socket closes first. */
  async receive(n) {
    while (this.inbox.length < n) {
      if (this.closed) fail(`${this.label}: closed (${this.closed}) with ${this.inbox.length}/${n} messages received`);
      await new Promise((resolve) => { this._wake = resolve; });
    }
    return this.inbox.splice(0, n);
  }

  /** Sends `payloads` and checks they all come back exactly, in order (within `ms`). */
  async echo(payloads, context, ms = 5000) {
    for (const p of payloads) this.send(p);
    const got = await withTimeout(this.receive(payloads.length), ms, `${this.label}: ${context}: echo of ${payloads.length} messages`);
    checkPayloads(got, payloads, `${this.label}: ${context}`, this.binaryType);
    return got.length;
  }

  /** Waits `ms` and checks that nothing more arrived (each message echoed exactly once). */
  async expectQuiet(ms, context) {
    await sleep(ms);
    check(this.inbox.length === 0, `${this.label}: ${context}: ${this.inbox.length} unexpected extra messages`);
  }

  /** Throws if the socket has closed. */
  assertOpen(context) {
    check(!this.closed && this.socket.readyState === "open",
      `${this.label}: ${context}: socket not open (${this.closed ?? this.socket.readyState})`);
  }

  /** Closes the connection. */
  close() {
    this.socket.close();
  }
}
