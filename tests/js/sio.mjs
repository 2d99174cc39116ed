#!/usr/bin/env node
// Socket.IO end-to-end driver (official socket.io-client 4.8.4).
//
// Usage: node sio.mjs <scenario> <base-url>
//
// The server at <base-url> (e.g. http://127.0.0.1:PORT) must be the "feature server" at
// /socket.io/ described in README.md (pingInterval 300, pingTimeout 5000, connectTimeout 1000,
// maxHttpBufferSize 1e6; namespaces "/", "/custom", "/admin", /^\/dyn-\d+$/).
// `disconnect` checks exact socket counts: run it with no other clients on the server.
//
// On success prints one line `ok <scenario> <json details>` and exits 0; on failure prints
// the reason to stderr and exits 1 (2 for a usage error). Every scenario has its own
// overall timeout.

import * as basic from "./lib/sio-basic-scenarios.mjs";
import * as lifecycle from "./lib/sio-lifecycle-scenarios.mjs";
import * as room from "./lib/sio-room-scenarios.mjs";
import { handshake } from "./lib/sio-handshake.mjs";
import { runScenario } from "./lib/util.mjs";

/** Scenario name -> [function(baseUrl) -> details, overall timeout in ms]. */
const SCENARIOS = {
  connect: [basic.connect, 15000],
  multiplex: [basic.multiplex, 10000],
  acks: [basic.acks, 15000],
  binary: [basic.binary, 20000],
  rooms: [room.rooms, 15000],
  "broadcast-acks": [room.broadcastAcks, 10000],
  middleware: [room.middleware, 10000],
  disconnect: [lifecycle.disconnect, 15000],
  reconnect: [lifecycle.reconnect, 20000],
  many: [lifecycle.many, 30000],
  handshake: [handshake, 10000],
};

runScenario("sio.mjs", SCENARIOS);
