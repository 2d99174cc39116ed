// The JSON-line command channel of the cluster drivers (`cluster-node.mjs`,
// `cluster-clients.mjs`; Rust side: `tests/src/cluster.rs`): commands come one JSON object a
// line on stdin, each with an `"id"`; the answer is one line `{"reply":<id>, ...}` on stdout;
// everything else the driver prints is an event line. Binary values travel as
// `{"$bin":"<base64>"}` both ways.

import { createInterface } from "node:readline";
import { asBytes } from "./util.mjs";

/** Replaces every binary value in `value` (deeply) by `{"$bin": "<base64>"}`. */
export function toWire(value) {
  const bytes = asBytes(value);
  if (bytes) return { $bin: Buffer.from(bytes).toString("base64") };
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Set) return [...value].map(toWire);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && typeof v !== "function") out[k] = toWire(v);
    }
    return out;
  }
  return value;
}

/** Turns every `{"$bin": "<base64>"}` in `value` (deeply) into a Buffer. */
export function fromWire(value) {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$bin" && typeof value.$bin === "string") {
      return Buffer.from(value.$bin, "base64");
    }
    return Object.fromEntries(keys.map((k) => [k, fromWire(value[k])]));
  }
  return value;
}

/** Prints one line: `value` as JSON, binary as `$bin`. */
export function print(value) {
  process.stdout.write(`${JSON.stringify(toWire(value))}\n`);
}

/** Splits `args` into the arguments and, when the last one is a function, that callback. */
export function splitAck(args) {
  const last = args[args.length - 1];
  return typeof last === "function" ? [args.slice(0, -1), last] : [args, null];
}

/**
 * Reads commands from stdin and answers each with `{reply: id, ...(await handler(cmd))}`
 * (`ok: true` unless the handler says otherwise); a thrown error answers
 * `{reply: id, ok: false, error: message}`. Commands run concurrently: a slow one (a request
 * waiting for a timeout) does not hold up the others. When stdin ends, `onEnd` runs.
 */
export function serveCommands(handler, onEnd) {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", async (line) => {
    if (!line.trim()) return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      console.error(`bad command line ${JSON.stringify(line)}: ${e.message}`);
      return;
    }
    let answer;
    try {
      answer = { ok: true, ...(await handler(cmd)) };
    } catch (e) {
      answer = { ok: false, error: e?.message ?? String(e) };
    }
    print({ reply: cmd.id, ...answer });
  });
  rl.on("close", () => onEnd?.());
}
