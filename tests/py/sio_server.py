"""A reference Socket.IO server on python-socketio + aiohttp (pinned in requirements.txt).

The same fixed behaviour as tests/js/sio-server.mjs (read its header first), for testing
Socket.IO CLIENTS against a second server implementation. The Rust harness is
tests/src/peers.rs (`PythonServer`), which installs the requirements into a venv.

Usage: python sio_server.py [--port N] [--cert FILE --key FILE]
                            [--ping-interval MS] [--ping-timeout MS]

Output (stdout), one line each:
  listening <port>
  {"event":"connect","nsp":..,"id":..,"sid":..,"recovered":false,"transport":..,"auth":..}
  {"event":"disconnect","nsp":..,"id":..,"sid":..,"reason":..}

What differs from the Node server (python-socketio 5.x allows no more):
  - no connection state recovery: "recovered" is always false, a client that reconnects
    gets a new id, nothing missed is replayed, and no offset is appended to events;
  - no "upgrade" lines (python-engineio reports no upgrade);
  - disconnect reasons are python-socketio's ("client disconnect", "server disconnect",
    "transport close", "ping timeout", ...), not Node's;
  - --ping-interval must be a multiple of 1000 ms (python-engineio's handshake announces
    int(seconds) * 1000);
  - a handshake without auth is reported and echoed as {} (python-socketio sees None);
  - the "ticks" are emitted to the socket (there is no recovery to keep them for);
  - "close-transport" is python-engineio's disconnect (a CLOSE packet) and then, on a
    WebSocket, the WebSocket closed by the server (python-engineio alone would leave it open
    for ping interval + timeout: socket.io-client ignores a CLOSE packet on a WebSocket).
Everything a client observes otherwise is the same: namespaces "/", "/admin" (refused with
{"message":"unauthorized","data":{"reason":"bad token"}} unless auth.token == "secret"),
/^/dyn-\\w+$/, others refused with "Invalid namespace"; events "echo", "ask", "join",
"leave", "to-room", "disconnect-me", "close-transport", "ticks", "binary"; every event sent
with an ack is acked with its own arguments.
"""

import argparse
import asyncio
import json
import re
import ssl
import sys

import socketio
from aiohttp import web

DYNAMIC = re.compile(r"/dyn-\w+", re.ASCII)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ping-interval", type=int, default=25000, help="ms")
    p.add_argument("--ping-timeout", type=int, default=20000, help="ms")
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")
    if args.ping_interval % 1000:
        # python-engineio advertises int(seconds) * 1000: 300 ms would be announced as 0.
        p.error("--ping-interval must be whole seconds (a multiple of 1000) on python-engineio")
    return args


def report(line):
    print(json.dumps(line, separators=(",", ":")), flush=True)


def as_args(data):
    """python-socketio's `data` for a list of arguments: a tuple (one argument per item)."""
    return tuple(data)


def make_server(opts):
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins="*",
        namespaces="*",
        # Events of one client are handled in order (as Node does); what waits ("ask",
        # "ticks") runs in a task of its own.
        async_handlers=False,
        ping_interval=opts.ping_interval / 1000,
        ping_timeout=opts.ping_timeout / 1000,
    )
    tasks = set()

    def spawn(coro):
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def who(nsp, sid):
        return {"nsp": nsp, "id": sid, "sid": sio.manager.eio_sid_from_sid(sid, nsp)}

    async def after_connect(nsp, sid, auth):
        # python-socketio sends the CONNECT packet after the handler returns: wait for it, so
        # that "auth" never precedes it on the wire.
        for _ in range(1000):
            if sio.manager.is_connected(sid, nsp):
                break
            await asyncio.sleep(0.001)
        else:
            return
        report(
            {
                "event": "connect",
                **who(nsp, sid),
                "recovered": False,
                "transport": sio.transport(sid, nsp),
                "auth": auth,
            }
        )
        await sio.emit("auth", auth, to=sid, namespace=nsp)

    @sio.on("connect", namespace="*")
    async def connect(nsp, sid, environ, auth=None):
        if nsp not in ("/", "/admin") and not DYNAMIC.fullmatch(nsp):
            raise socketio.exceptions.ConnectionRefusedError("Invalid namespace")
        auth = auth if auth is not None else {}
        if nsp == "/admin" and not (isinstance(auth, dict) and auth.get("token") == "secret"):
            raise socketio.exceptions.ConnectionRefusedError(
                "unauthorized", {"reason": "bad token"}
            )
        spawn(after_connect(nsp, sid, auth))

    @sio.on("disconnect", namespace="*")
    async def disconnect(nsp, sid, reason=None):
        report({"event": "disconnect", **who(nsp, sid), "reason": str(reason)})

    async def ask(nsp, sid, args):
        answered = asyncio.get_running_loop().create_future()

        def callback(*answers):
            if not answered.done():
                answered.set_result(answers)

        await sio.emit("question", as_args(args), to=sid, namespace=nsp, callback=callback)
        try:
            answers = await asyncio.wait_for(answered, 5)
        except asyncio.TimeoutError:
            await sio.emit("answer", {"error": "operation has timed out"}, to=sid, namespace=nsp)
            return
        await sio.emit("answer", as_args(answers), to=sid, namespace=nsp)

    async def ticks(nsp, sid, count, every_ms):
        for seq in range(1, count + 1):
            await asyncio.sleep(every_ms / 1000)
            await sio.emit("tick", {"seq": seq}, to=sid, namespace=nsp)

    async def close_transport(nsp, sid):
        eio_sid = sio.manager.eio_sid_from_sid(sid, nsp)
        socket = sio.eio.sockets.get(eio_sid)
        if socket is None:
            return
        await sio.eio.disconnect(eio_sid)
        if socket.upgraded:
            # python-engineio sends a CLOSE packet and leaves the WebSocket open until the
            # client closes it or the writer's queue times out (ping interval + timeout);
            # socket.io-client ignores a CLOSE packet on a WebSocket, so the WebSocket is
            # closed here (an empty queue entry ends python-engineio's writer, which closes it).
            await socket.queue.put(None)

    @sio.on("*", namespace="*")
    async def any_event(event, nsp, sid, *args):
        if event == "echo":
            await sio.emit("echo", as_args(args), to=sid, namespace=nsp)
        elif event == "ask":
            spawn(ask(nsp, sid, args))
        elif event == "join" and args:
            await sio.enter_room(sid, str(args[0]), namespace=nsp)
        elif event == "leave" and args:
            await sio.leave_room(sid, str(args[0]), namespace=nsp)
        elif event == "to-room" and len(args) >= 2:
            room, name, *rest = args
            await sio.emit(str(name), as_args(rest), room=str(room), namespace=nsp)
        elif event == "disconnect-me":
            await sio.disconnect(sid, namespace=nsp)
        elif event == "close-transport":
            spawn(close_transport(nsp, sid))
        elif event == "ticks":
            spec = args[0] if args and isinstance(args[0], dict) else {}
            spawn(ticks(nsp, sid, int(spec.get("count", 1)), int(spec.get("every_ms", 50))))
        elif event == "binary":
            n = args[0] if args and isinstance(args[0], int) else 4
            buf = bytes(i % 256 for i in range(n))
            await sio.emit("binary", (buf, {"nested": buf}), to=sid, namespace=nsp)
        # Acked with its own arguments (a tuple: one ack argument each).
        return as_args(args)

    return sio


async def main():
    opts = parse_args()
    sio = make_server(opts)
    app = web.Application()
    sio.attach(app)
    ctx = None
    if opts.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            ctx.load_cert_chain(opts.cert, opts.key)
        except (OSError, ssl.SSLError) as e:
            sys.exit(f"sio_server.py: cannot load --cert {opts.cert} --key {opts.key}: {e}")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", opts.port, ssl_context=ctx)
    await site.start()
    port = runner.addresses[0][1]
    print(f"listening {port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
