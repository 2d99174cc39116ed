#!/usr/bin/env node
// Engine.IO end-to-end driver.
//
// Usage: node eio.mjs <scenario> <base-url>
//
// The server at <base-url> (e.g. http://127.0.0.1:PORT) must serve Engine.IO v4 at
// /engine.io/, echo every message (text or binary) back to its sender, and use
// pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000.
//
// On success prints one line `ok <scenario> <json details>` and exits 0; on failure prints
// the reason to stderr and exits 1 (2 for a usage error). Every scenario has its own
// overall timeout.

import * as client from "./lib/eio-client-scenarios.mjs";
import { heartbeatPolling, heartbeatTimeout } from "./lib/eio-heartbeat-scenarios.mjs";
import { runScenario } from "./lib/util.mjs";

/** Scenario name -> [function(baseUrl) -> details, overall timeout in ms]. */
const SCENARIOS = {
  polling: [client.polling, 10000],
  websocket: [client.websocket, 10000],
  upgrade: [client.upgrade, 10000],
  large: [client.large, 20000],
  binary: [client.binary, 10000],
  "heartbeat-timeout": [heartbeatTimeout, 10000],
  "heartbeat-polling": [heartbeatPolling, 10000],
  many: [client.many, 20000],
};

runScenario("eio.mjs", SCENARIOS);
