// Heartbeat scenarios with raw peers (no engine.io-client), so the driver controls the pongs.

import { SERVER, checkHandshake } from "./peer.mjs";
import { RawWs, checkSessionUnknown, packets, pollingUrl, request, wsUrl } from "./raw.mjs";
import { check, fail, sleep, withTimeout } from "./util.mjs";

/** How late the server may close a session after pingInterval + pingTimeout. */
const SLACK_MS = 400;
/** How early a timer may fire (clock granularity), in ms. */
const EARLY_MS = 50;

/**
 * Opens a raw WebSocket session and checks its open packet. Resolves with the peer, the time
 * the connection was started (before the server's timers can start: for lower bounds) and
 * the time the open packet arrived (after they started: for upper bounds).
 */
async function openRawWs(base, label) {
  const startedAt = Date.now();
  const peer = new RawWs(wsUrl(base), label);
  await withTimeout(peer.opened, 3000, `${label}: WebSocket connect`);
  const open = await peer.nextText(2000, "open packet");
  check(open.data.startsWith("0{"), `${label}: first frame is ${JSON.stringify(open.data)}, expected 0{...}`);
  checkHandshake(JSON.parse(open.data.slice(1)), [], label);
  return { peer, startedAt, openedAt: open.at };
}

/** A WebSocket client that never answers pings: the server must close it in time. */
async function silentClient(base) {
  const { peer, startedAt, openedAt } = await openRawWs(base, "silent");
  const ping = await peer.nextText(SERVER.pingInterval + SLACK_MS, "first ping");
  check(ping.data === "2", `silent: expected ping "2", got ${JSON.stringify(ping.data)}`);
  const pingAfter = ping.at - openedAt;
  check(ping.at - startedAt >= SERVER.pingInterval - EARLY_MS,
    `silent: first ping ${ping.at - startedAt} ms after connecting, before pingInterval`);
  const deadline = openedAt + SERVER.pingInterval + SERVER.pingTimeout + SLACK_MS;
  const closed = await withTimeout(peer.closed, deadline - Date.now(), "silent: server close after an unanswered ping");
  const closedAfter = closed.at - openedAt;
  check(closed.at - startedAt >= SERVER.pingInterval + SERVER.pingTimeout - EARLY_MS,
    `silent: closed ${closed.at - startedAt} ms after connecting, before pingInterval + pingTimeout`);
  // Anything after the ping may only be a close packet.
  for (const frame of peer.queue) {
    check(frame.data === "1", `silent: unexpected frame ${JSON.stringify(frame.data)} after the ping`);
  }
  return { pingAfter, closedAfter, code: closed.code };
}

/** A WebSocket client that answers every ping: it must stay open for 1.5 s. */
async function activeClient(base) {
  const { peer } = await openRawWs(base, "active");
  let pings = 0;
  const others = [];
  const pump = (async () => {
    for (;;) {
      const frame = await peer.next();
      if (frame.data === "2") {
        pings++;
        peer.send("3");
      } else {
        others.push(frame.data);
      }
    }
  })();
  pump.catch(() => {}); // ends when the socket closes
  await sleep(1500);
  check(!peer.closeInfo, `active: closed by the server (code ${peer.closeInfo?.code}) while answering pings`);
  check(pings >= 3, `active: only ${pings} pings in 1.5 s`);
  peer.send("4still here");
  const deadline = Date.now() + 1000;
  while (!others.includes("4still here")) {
    check(Date.now() < deadline, `active: no echo of "4still here"; got ${JSON.stringify(others)}`);
    await sleep(10);
  }
  await peer.close();
  return { pings };
}

/**
 * `heartbeat-timeout`: raw WebSockets. A client that never answers pings is closed within
 * pingInterval + pingTimeout + 400 ms of its open packet; at the same time a client that
 * answers every ping stays open for 1.5 s (3 or more pings) and still echoes.
 */
export async function heartbeatTimeout(base) {
  const [silent, active] = await Promise.all([silentClient(base), activeClient(base)]);
  return { silent, active };
}

/**
 * `heartbeat-polling`: raw long-polling with fetch. Pongs are posted for 3 pings (and a
 * message is echoed); then a ping goes unanswered and the session must be gone within 1 s:
 * the pending GET gets a close packet "1" or HTTP 400, and later GETs get
 * HTTP 400 {"code":1,"message":"Session ID unknown"}.
 */
export async function heartbeatPolling(base) {
  const hs = await request(pollingUrl(base));
  check(hs.status === 200 && hs.body.startsWith("0{"), `handshake: ${hs.status} ${JSON.stringify(hs.body)}`);
  const open = JSON.parse(hs.body.slice(1));
  checkHandshake(open, ["websocket"], "polling handshake");
  const url = pollingUrl(base, open.sid);
  const post = async (body) => {
    const res = await request(url, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
    check(res.status === 200 && res.body === "ok", `POST ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  await post("4hello ✓");
  let pings = 0;
  let echoed = false;
  while (pings < 3 || !echoed) {
    const res = await request(url);
    check(res.status === 200, `GET while alive: ${res.status} ${JSON.stringify(res.body)}`);
    for (const p of packets(res.body)) {
      if (p === "2") {
        pings++;
        await post("3");
      } else if (p === "4hello ✓" && !echoed) {
        echoed = true;
      } else {
        fail(`GET while alive: unexpected packet ${JSON.stringify(p)} in ${JSON.stringify(res.body)}`);
      }
    }
  }

  // Stop answering: wait for the next ping and let it time out.
  const ping = await request(url);
  check(ping.status === 200 && ping.body === "2", `GET for the last ping: ${ping.status} ${JSON.stringify(ping.body)}`);
  const pingAt = Date.now();
  const after = await request(url);
  let pendingGet;
  if (after.status === 200) {
    check(after.body === "1", `GET after an unanswered ping: expected close packet "1", got ${JSON.stringify(after.body)}`);
    pendingGet = "close packet";
  } else {
    checkSessionUnknown(after, "GET after an unanswered ping");
    pendingGet = "400";
  }
  const goneAfter = Date.now() - pingAt;
  check(goneAfter <= 1000, `session still answered ${goneAfter} ms after the unanswered ping`);
  checkSessionUnknown(await request(url), "GET on the closed session");
  checkSessionUnknown(await request(url, { method: "POST", body: "3" }), "POST on the closed session");
  return { pings, pendingGet, goneAfter };
}
