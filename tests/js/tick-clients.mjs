#!/usr/bin/env node
// Many `socket.io-client` 4.8.4 clients in one process that count the numbered ticks a cluster
// member broadcasts (`cluster-node.mjs` / our `cluster_member`, command "ticker"), for the tests
// of connection state recovery across a cluster (Rust harness: `tests/src/tick_clients.rs`).
// Each client has a connection of its own (forceNew), reconnects quickly (reconnectionDelay
// 100 ms, reconnectionDelayMax 1000 ms) and records, in bounded memory (a bitset of seqs):
// every tick seq received, duplicates, ticks out of order, its connects, whether each
// reconnection recovered, and the socket ids before and after a reconnection that did not.
//
// Usage: node tick-clients.mjs
//
// Commands (stdin, one JSON object a line, each with an "id"; the answer is one line
// {"reply":<id>,"ok":true|false,...} on stdout; nothing else is printed):
//   {"op":"start","url","count","nsp":"/","rooms":["ticks"],"event":"tick"}
//       -> {"ok":true} once every client connected once. Clients 0, 2, 4, ... use
//          transports ["websocket"], 1, 3, 5, ... ["polling"]; auth {"rooms": rooms}
//   {"op":"report","upTo":N} -> {"ok":true,"clients":[..],"total":{..}}, per client
//       {"client","transport","connected","received","first","last","missing","missingRanges",
//        "duplicates","duplicateSeqs","outOfOrder","connects","reconnections","reconnects",
//        "recoveries","notRecoveredCount","notRecovered":[{"before","after"}],
//        "disconnects":{reason:count},"ids":K,"id": its socket id now}
//       where missing counts the seqs from the client's first tick up to N it never got
//       (missingRanges: the first 20 as [from,to]); duplicateSeqs lists the first 20 seqs
//       received again; reconnects the first 20 reconnections as {"after": the highest seq
//       received before it, "recovered"}; notRecovered lists at most 20 (socket ids). total sums
//       the counts and adds "clients" and "perfect" (clients with nothing missing, no duplicate,
//       nothing out of order and every reconnection recovered).
//   {"op":"close"} -> {"ok":true} (every client disconnects)
// stdin closing exits the process.

import { io } from "socket.io-client";
import { serveCommands } from "./lib/json-lines.mjs";

/** How many ranges / ids a report lists at most per client. */
const LIST_MAX = 20;

/** The ticks and connections of one client. */
class Record {
  constructor(index, transport) {
    this.index = index;
    this.transport = transport;
    this.seen = new Uint8Array(1024); // bitset of seqs received
    this.received = 0;
    this.first = 0;
    this.last = 0; // highest seq received
    this.duplicates = 0;
    this.duplicateSeqs = []; // the first LIST_MAX
    this.outOfOrder = 0;
    this.connects = 0;
    this.recoveries = 0;
    this.notRecovered = []; // at most LIST_MAX {before, after}
    this.notRecoveredCount = 0;
    this.reconnects = []; // the first LIST_MAX {after: last seq before it, recovered}
    this.disconnects = {};
    this.ids = new Set();
    this.lastId = null;
  }

  has(seq) {
    return seq >> 3 < this.seen.length && (this.seen[seq >> 3] & (1 << (seq & 7))) !== 0;
  }

  tick(seq) {
    if (!Number.isInteger(seq) || seq < 1) return;
    if (this.has(seq)) {
      this.duplicates += 1;
      if (this.duplicateSeqs.length < LIST_MAX) this.duplicateSeqs.push(seq);
      return;
    }
    if (seq >> 3 >= this.seen.length) {
      const grown = new Uint8Array(Math.max(this.seen.length * 2, (seq >> 3) + 1));
      grown.set(this.seen);
      this.seen = grown;
    }
    this.seen[seq >> 3] |= 1 << (seq & 7);
    this.received += 1;
    if (this.first === 0 || seq < this.first) this.first = seq;
    if (seq < this.last) this.outOfOrder += 1;
    else this.last = seq;
  }

  connect(socket) {
    this.connects += 1;
    if (this.connects > 1) {
      if (this.reconnects.length < LIST_MAX) {
        this.reconnects.push({ after: this.last, recovered: socket.recovered });
      }
      if (socket.recovered) this.recoveries += 1;
      else {
        this.notRecoveredCount += 1;
        if (this.notRecovered.length < LIST_MAX) {
          this.notRecovered.push({ before: this.lastId, after: socket.id });
        }
      }
    }
    this.ids.add(socket.id);
    this.lastId = socket.id;
  }

  report(upTo, connected) {
    let missing = 0;
    const ranges = [];
    if (this.first > 0) {
      let open = 0;
      for (let seq = this.first; seq <= upTo + 1; seq++) {
        const gap = seq <= upTo && !this.has(seq);
        if (gap) {
          missing += 1;
          if (open === 0) open = seq;
        } else if (open !== 0) {
          if (ranges.length < LIST_MAX) ranges.push([open, seq - 1]);
          open = 0;
        }
      }
    }
    return {
      client: this.index,
      transport: this.transport,
      connected,
      received: this.received,
      first: this.first,
      last: this.last,
      missing,
      missingRanges: ranges,
      duplicates: this.duplicates,
      duplicateSeqs: this.duplicateSeqs,
      outOfOrder: this.outOfOrder,
      connects: this.connects,
      reconnections: Math.max(this.connects - 1, 0),
      reconnects: this.reconnects,
      recoveries: this.recoveries,
      notRecoveredCount: this.notRecoveredCount,
      notRecovered: this.notRecovered,
      disconnects: this.disconnects,
      ids: this.ids.size,
      id: this.lastId,
    };
  }
}

/** [socket, record] of every client. */
let clients = [];

const OPS = {
  start(cmd) {
    if (clients.length > 0) throw new Error("started already");
    const ready = [];
    for (let i = 0; i < cmd.count; i++) {
      const transport = i % 2 === 0 ? "websocket" : "polling";
      const record = new Record(i, transport);
      const socket = io(`${cmd.url}${cmd.nsp ?? "/"}`, {
        forceNew: true,
        transports: [transport],
        auth: { rooms: cmd.rooms ?? ["ticks"] },
        reconnectionDelay: 100,
        reconnectionDelayMax: 1000,
      });
      socket.on(cmd.event ?? "tick", (arg) => record.tick(typeof arg === "number" ? arg : arg?.seq));
      socket.on("disconnect", (reason) => {
        record.disconnects[reason] = (record.disconnects[reason] ?? 0) + 1;
      });
      ready.push(new Promise((resolve) => {
        socket.on("connect", () => {
          record.connect(socket);
          resolve();
        });
      }));
      clients.push([socket, record]);
    }
    return Promise.all(ready).then(() => undefined);
  },
  report(cmd) {
    const upTo = cmd.upTo;
    const reports = clients.map(([socket, record]) => record.report(upTo, socket.connected));
    const total = { clients: reports.length, perfect: 0 };
    for (const key of ["received", "missing", "duplicates", "outOfOrder", "reconnections",
      "recoveries", "notRecoveredCount"]) {
      total[key] = reports.reduce((sum, r) => sum + r[key], 0);
    }
    total.perfect = reports.filter((r) =>
      r.received > 0 && r.missing === 0 && r.duplicates === 0 && r.outOfOrder === 0 &&
      r.notRecoveredCount === 0).length;
    return { clients: reports, total };
  },
  close() {
    for (const [socket] of clients) socket.disconnect();
  },
};

serveCommands((cmd) => {
  const op = OPS[cmd.op];
  if (!op) throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  return op(cmd);
}, () => process.exit(0));
