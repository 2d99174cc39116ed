// Small helpers shared by the drivers: timeouts, payload generators and exact comparisons.

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `cond()` holds (checked every 5 ms); fails naming `what` after `ms`. */
export const waitFor = (cond, ms, what) =>
  withTimeout(
    (async () => {
      while (!cond()) await sleep(5);
    })(),
    ms,
    what,
  );

/** Throws an Error with `message`; usable in expressions. */
export function fail(message) {
  throw new Error(message);
}

/** Throws unless `cond` holds. */
export function check(cond, message) {
  if (!cond) fail(message);
}

/** Races `promise` against a timer; the timer rejects with "timeout after <ms> ms: <what>". */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A short printable description of a payload, for error messages. */
export function describe(value) {
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    return `string(${value.length}) ${JSON.stringify(shown)}`;
  }
  const bytes = asBytes(value);
  if (!bytes) return `${Object.prototype.toString.call(value)} ${String(value)}`;
  const kind = Buffer.isBuffer(value) ? "Buffer" : value?.constructor?.name ?? "bytes";
  const head = Array.from(bytes.subarray(0, 16)).join(",");
  return `${kind}(${bytes.length}) [${head}${bytes.length > 16 ? ",..." : ""}]`;
}

/** Views any binary value (Buffer, ArrayBuffer, typed array, DataView) as a Uint8Array; null otherwise. */
export function asBytes(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

/**
 * Checks that `got` equals `expected` exactly: the same string, or the same bytes when
 * `expected` is binary. `binaryType` ("nodebuffer" | "arraybuffer"), when given, is the
 * JavaScript type binary payloads must arrive as.
 */
export function checkPayload(got, expected, context, binaryType) {
  if (typeof expected === "string") {
    if (got === expected) return;
    // engine.io-parser decodes the empty message packet "4" as a message without data.
    if (expected === "" && got === undefined) return;
    if (typeof got !== "string") fail(`${context}: expected text ${describe(expected)}, got ${describe(got)}`);
    let i = 0;
    while (i < got.length && got[i] === expected[i]) i++;
    fail(`${context}: text differs at index ${i}: expected ${describe(expected)}, got ${describe(got)}`);
  }
  const want = asBytes(expected);
  const have = asBytes(got);
  if (!have) fail(`${context}: expected binary ${describe(expected)}, got ${describe(got)}`);
  if (binaryType === "nodebuffer") check(Buffer.isBuffer(got), `${context}: expected a Buffer, got ${describe(got)}`);
  if (binaryType === "arraybuffer") check(got instanceof ArrayBuffer, `${context}: expected an ArrayBuffer, got ${describe(got)}`);
  check(have.length === want.length, `${context}: expected ${want.length} bytes, got ${describe(got)}`);
  for (let i = 0; i < want.length; i++) {
    if (have[i] !== want[i]) fail(`${context}: bytes differ at index ${i}: expected ${want[i]}, got ${have[i]}`);
  }
}

/** Checks a whole sequence of payloads, in order. */
export function checkPayloads(got, expected, context, binaryType) {
  check(got.length === expected.length, `${context}: expected ${expected.length} messages, got ${got.length}`);
  expected.forEach((want, i) => checkPayload(got[i], want, `${context} message #${i}`, binaryType));
}

/** `n` bytes of a deterministic pattern that depends on `seed` (not a repeating 256-byte cycle). */
export function bytePattern(n, seed = 0) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >>> 8) * 7 + seed) & 0xff;
  return out;
}

/** A text of exactly `n` UTF-16 code units, mostly ASCII with a few multi-byte characters. */
export function bigText(n, seed = 0) {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]\":,.-_";
  let out = "";
  for (let i = 0; out.length < n; i++) {
    out += i % 1000 === 999 ? "€" : alphabet[(i * 7 + seed) % alphabet.length];
  }
  return out;
}

/**
 * 20 text messages tagged with `tag`, covering edge cases: empty, non-ASCII, astral
 * characters, strings that look like Engine.IO packets, JSON, control characters (but
 * never the record separator \x1e, which is not allowed in polling payloads).
 */
export function textMessages(tag) {
  const messages = [
    `${tag}:hello`,
    "",
    "€ ✓ 日本",
    `${tag}:😀 emoji (astral plane)`,
    "4",
    "2",
    "3probe",
    "b AAEC not base64",
    "1",
    "6",
    '{"json":true,"n":[1,2,3]}',
    " leading and trailing spaces ",
    "line1\nline2\r\nline3\ttab",
    "nul\u0000inside",
    `${tag}:${"x".repeat(1000)}`,
    "%20 & ? = # / \\ '\"",
    "Ünïcödé ñ ß Ω Ж ק ع हिन्दी",
    `${tag}:${"日本語".repeat(100)}`,
    "\u00a0\u2028\u2029",
    `${tag}:last`,
  ];
  check(messages.length === 20, "textMessages must produce 20 messages");
  return messages;
}

/**
 * The drivers' command line: `node <script> <scenario> <http://host:port>`. `scenarios` maps a
 * name to `[function(baseUrl) -> details, overall timeout in ms]`. Prints
 * `ok <scenario> <json details>` and exits 0, or `FAIL <scenario>: <reason>` on stderr and
 * exits 1; a usage error exits 2.
 */
export async function runScenario(script, scenarios) {
  const [name, base] = process.argv.slice(2);
  if (!scenarios[name] || !/^https?:\/\/[^/]+$/.test(base ?? "")) {
    console.error(`usage: node ${script} <${Object.keys(scenarios).join("|")}> <http://host:port>`);
    process.exit(2);
  }
  const [scenario, timeoutMs] = scenarios[name];
  try {
    const details = await withTimeout(scenario(base), timeoutMs, `scenario ${name}`);
    console.log(`ok ${name} ${JSON.stringify(details)}`);
    process.exit(0);
  } catch (err) {
    console.error(`FAIL ${name}: ${err?.stack ?? err}`);
    process.exit(1);
  }
}
