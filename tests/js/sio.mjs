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

import { handshake } from "./lib/sio-handshake.mjs";
import { SCENARIOS } from "./lib/sio-scenarios.mjs";
import { runScenario } from "./lib/util.mjs";

runScenario("sio.mjs", { ...SCENARIOS, handshake: [handshake, 10000] });
