#!/usr/bin/env node
// Socket.IO API driver (official socket.io-client 4.8.4) against the "API server"
// (tests/src/api_server.rs, contract in README.md).
//
// Usage: node sio-api.mjs <scenario> <base-url>
// Prints `ok <scenario> <json details>` and exits 0, or the reason on stderr and exits 1.

import * as api from "./lib/sio-api-scenarios.mjs";
import { runScenario } from "./lib/util.mjs";

const SCENARIOS = {
  listeners: [api.listeners, 15000],
  any: [api.any, 15000],
  lookup: [api.lookup, 15000],
  operators: [api.operators, 15000],
  dynamic: [api.dynamic, 20000],
};

runScenario("sio-api.mjs", SCENARIOS);
