// Raw Engine.IO peers without engine.io-client: a WebSocket from `ws`, and HTTP long-polling with fetch.

import WebSocket from "ws";
import { EIO_PATH } from "./peer.mjs";
import { check, fail, withTimeout } from "./util.mjs";

/** The Engine.IO WebSocket URL (no sid) for an http:// base URL. */
export function wsUrl(baseUrl) {
  return `${baseUrl.replace(/^http/, "ws")}${EIO_PATH}?EIO=4&transport=websocket`;
}

/** The Engine.IO polling URL for an http:// base URL, with `sid` when given. */
export function pollingUrl(baseUrl, sid) {
  const url = `${baseUrl}${EIO_PATH}?EIO=4&transport=polling`;
  return sid === undefined ? url : `${url}&sid=${encodeURIComponent(sid)}`;
}

/**
 * A raw WebSocket peer. Received frames are queued as `{ at, data, binary }` (`at` is
 * Date.now() on arrival, `data` a string for text frames); `closed` resolves with
 * `{ at, code, reason }` when the connection closes.
 */
export class RawWs {
  constructor(url, label) {
    this.label = label;
    this.ws = new WebSocket(url);
    this.queue = [];
    this._wake = null;
    this.errors = [];
    this.closeInfo = null;
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", (e) => reject(new Error(`${label}: WebSocket error before open: ${e.message}`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.closeInfo = { at: Date.now(), code, reason: reason.toString() };
        resolve(this.closeInfo);
        this._notify();
      });
    });
    this.ws.on("error", (e) => this.errors.push(e.message));
    this.ws.on("message", (data, binary) => {
      this.queue.push({ at: Date.now(), data: binary ? data : data.toString(), binary });
      this._notify();
    });
  }

  _notify() {
    const wake = this._wake;
    this._wake = null;
    wake?.();
  }

  /** The next received frame; rejects if the socket closes first. */
  async next() {
    while (this.queue.length === 0) {
      if (this.closeInfo) fail(`${this.label}: closed (code ${this.closeInfo.code}) while waiting for a frame`);
      await new Promise((resolve) => { this._wake = resolve; });
    }
    return this.queue.shift();
  }

  /** The next frame, which must be a text frame; at most `ms`. */
  async nextText(ms, what) {
    const frame = await withTimeout(this.next(), ms, `${this.label}: ${what}`);
    check(!frame.binary, `${this.label}: ${what}: got a binary frame`);
    return frame;
  }

  /** Sends a text frame. */
  send(text) {
    this.ws.send(text);
  }

  /** Closes the connection from this side and waits for the close to finish. */
  async close(ms = 2000) {
    this.ws.close(1000);
    await withTimeout(this.closed, ms, `${this.label}: close`);
  }
}

/** A fetch that resolves with `{ status, type, body }` (`type` is the Content-Type). */
export async function request(url, init = {}) {
  const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(5000) });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

/** Splits a polling payload into its packets (EIO v4 uses the record separator \x1e). */
export function packets(body) {
  return body.split("\x1e");
}

/** Checks a response is Engine.IO's "Session ID unknown" error (HTTP 400, code 1). */
export function checkSessionUnknown(res, context) {
  check(res.status === 400, `${context}: expected HTTP 400, got ${res.status} ${JSON.stringify(res.body)}`);
  check(res.type.includes("application/json"), `${context}: expected a JSON error, got Content-Type ${JSON.stringify(res.type)}`);
  let json;
  try {
    json = JSON.parse(res.body);
  } catch {
    fail(`${context}: error body is not JSON: ${JSON.stringify(res.body)}`);
  }
  check(json.code === 1 && json.message === "Session ID unknown",
    `${context}: expected {"code":1,"message":"Session ID unknown"}, got ${res.body}`);
}
