// The feature-server scenarios of the npm socket.io-client (sio.mjs), whatever the parser:
// sio.mjs runs them with JSON, sio-msgpack.mjs with socket.io-msgpack-parser.

import * as basic from "./sio-basic-scenarios.mjs";
import * as lifecycle from "./sio-lifecycle-scenarios.mjs";
import * as room from "./sio-room-scenarios.mjs";

/** Scenario name -> [function(baseUrl) -> details, overall timeout in ms]. */
export const SCENARIOS = {
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
};
