//! Our side of the mixed cluster tests: a controllable member of a Redis
//! cluster of Socket.IO servers built on `SocketIo::with_redis`, with the
//! same command line, output and commands as Node's
//! `tests/js/cluster-node.mjs` (see the protocol at its top), so the tests
//! drive both kinds of member alike (`tests::cluster::ClusterMember`).
//!
//! Server-side events are answered `{"from":"rust","port":<port>}` (Node's
//! member says `"node"`). `--adapter streams` asks for the streams
//! adapter's protocol (`RedisOptions::streams`), `--recovery-window MS`
//! turns connection state recovery on (`ServerConfig::recovery`).

use serde_json::{Value, json};
use sio_core::socket::{RecoveryConfig, ServerConfig, StreamsConfig};
use sio_smol::Mux;
use sio_smol::io::{Operator, RedisOptions, SocketIo};
use smol::Async;
use std::cell::Cell;
use std::net::TcpListener;
use std::rc::Rc;
use std::time::Duration;
use tests::cluster::{args_from_wire, args_to_wire};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!(
            "usage: cluster_member <redis-url> [--key K] [--requests-timeout MS] \
             [--adapter classic|streams] [--recovery-window MS]"
        );
        std::process::exit(2);
    };
    let mut options = RedisOptions::default();
    let mut config = ServerConfig::default();
    for pair in args[1..].chunks(2) {
        match pair {
            [flag, value] if flag == "--key" => options.key = value.clone(),
            [flag, value] if flag == "--requests-timeout" => {
                let ms = value
                    .parse()
                    .expect("--requests-timeout takes milliseconds");
                options.requests_timeout = Duration::from_millis(ms);
            }
            [flag, value] if flag == "--adapter" && value == "classic" => options.streams = None,
            [flag, value] if flag == "--adapter" && value == "streams" => {
                options.streams = Some(StreamsConfig::default());
            }
            [flag, value] if flag == "--recovery-window" => {
                let ms = value.parse().expect("--recovery-window takes milliseconds");
                config.recovery = Some(RecoveryConfig {
                    max_disconnection_duration: Duration::from_millis(ms),
                    ..RecoveryConfig::default()
                });
            }
            other => panic!("unknown arguments {other:?}"),
        }
    }
    let io = SocketIo::with_redis(config, url, options).expect("a Redis URL");
    // The link's state, in the words of cluster-node.mjs (one link here).
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind 127.0.0.1:0");
    let port = listener.get_ref().local_addr().expect("bound").port();
    // `listening` once the link is up and subscribed (as Node's member
    // prints it once its Redis clients are ready): from then on the other
    // members count this one.
    let listening = std::cell::Cell::new(false);
    io.on_cluster_link(move |up| {
        if up && !listening.replace(true) {
            println!("listening {port}");
        }
        let state = if up { "ready" } else { "reconnecting" };
        print(json!({"event":"redis","client":"sub","state":state}));
    });
    for nsp in ["/", "/chat"] {
        set_up(&io, nsp, port);
    }
    commands(&io);
    let mux = Mux::new().mount(&io);
    smol::block_on(mux.serve_until(listener, std::future::pending())).expect("serve");
}

/// Prints one JSON line on stdout.
fn print(v: Value) {
    println!("{v}");
}

/// The behaviour of `cluster-node.mjs` in namespace `nsp`.
fn set_up(io: &SocketIo, nsp: &'static str, port: u16) {
    let ns = io.of(nsp);
    ns.on_connection(move |socket| {
        let auth: Value = socket.auth().unwrap_or_default();
        let name = auth["name"].clone();
        // A recovered socket keeps the data and rooms it recovered.
        let recovered = socket.recovered();
        if !recovered {
            let data = auth.get("data").cloned().unwrap_or_else(|| json!({}));
            let _ = socket.set_shared_data(&data);
            for room in auth["rooms"].as_array().into_iter().flatten() {
                if let Some(room) = room.as_str() {
                    socket.join(room);
                }
            }
        }
        print(
            json!({"event":"connect","nsp":nsp,"id":socket.id().as_str(),"name":name,
            "recovered":recovered}),
        );
        let name2 = name.clone();
        socket.on_any(move |socket, msg| {
            let args = args_to_wire(msg.raw());
            print(
                json!({"event":"client-event","nsp":nsp,"id":socket.id().as_str(),
                "name":name2,"ev":msg.event(),"args":args}),
            );
            let room = args[0].as_str().unwrap_or_default().to_owned();
            match msg.event() {
                "join" => socket.join(&room),
                "leave" => socket.leave(&room),
                "setData" => {
                    let _ = socket.set_shared_data(&args[0]);
                }
                _ => {}
            }
            let _ = msg.ack(&"ok");
        });
        socket.on_disconnect(move |socket, reason| {
            print(
                json!({"event":"disconnect","nsp":nsp,"id":socket.id().as_str(),
                "reason":reason.as_str()}),
            );
        });
    });
    ns.on_server_side_any(move |msg| {
        print(json!({"event":"server-side","nsp":nsp,"ev":msg.event(),
            "args":args_to_wire(msg.args())}));
        let _ = msg.ack(&json!({"from":"rust","port":port}));
    });
}

/// Reads commands from stdin (a thread) and runs each in a task.
fn commands(io: &SocketIo) {
    let (tx, rx) = smol::channel::unbounded::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send_blocking(line).is_err() {
                break;
            }
        }
        std::process::exit(0); // stdin closed: the harness is gone
    });
    let io2 = io.clone();
    let ticker = Rc::new(Ticker::default());
    io.spawn(async move {
        while let Ok(line) = rx.recv().await {
            let Ok(cmd) = serde_json::from_str::<Value>(&line) else {
                eprintln!("cluster_member: not JSON: {line}");
                continue;
            };
            let io = io2.clone();
            let ticker = ticker.clone();
            io2.spawn(async move {
                let mut reply = run(&io, &cmd, &ticker).await;
                reply["reply"] = cmd["id"].clone();
                print(reply);
            });
        }
    });
}

/// The operator of a command: namespace, `to`, `except`, flags.
fn target(io: &SocketIo, cmd: &Value) -> Operator {
    let nsp = cmd["nsp"].as_str().unwrap_or("/");
    let mut op = io.of(nsp).operator();
    for room in cmd["to"].as_array().into_iter().flatten() {
        op = op.to(room.as_str().unwrap_or_default());
    }
    for room in cmd["except"].as_array().into_iter().flatten() {
        op = op.except(room.as_str().unwrap_or_default());
    }
    if cmd["volatile"] == true {
        op = op.volatile();
    }
    if cmd["local"] == true {
        op = op.local();
    }
    op
}

/// The first room of `rooms`.
fn first_room(cmd: &Value) -> String {
    cmd["rooms"][0].as_str().unwrap_or_default().to_owned()
}

/// The `ticker` command's state (one ticker at a time).
#[derive(Default)]
struct Ticker {
    /// Which ticker runs (0: none); a stopped ticker's task sees a change.
    running: Cell<u64>,
    /// Tickers started so far.
    started: Cell<u64>,
    /// The last seq emitted.
    last: Cell<u64>,
}

impl Ticker {
    /// Starts emitting `event {"seq":N}` through `op` every `every`.
    fn start(
        self: &Rc<Ticker>,
        io: &SocketIo,
        op: Operator,
        event: String,
        every: Duration,
    ) -> Value {
        if self.running.get() != 0 {
            return json!({"ok":false,"error":"a ticker runs already"});
        }
        let me = self.started.get() + 1;
        self.started.set(me);
        self.running.set(me);
        self.last.set(0);
        let ticker = self.clone();
        io.spawn(async move {
            loop {
                smol::Timer::after(every).await;
                if ticker.running.get() != me {
                    break;
                }
                let seq = ticker.last.get() + 1;
                ticker.last.set(seq);
                let _ = op.emit(&event, &json!({"seq": seq}));
            }
        });
        json!({"ok":true})
    }

    /// Stops the ticker; answers the last seq emitted.
    fn stop(&self) -> Value {
        self.running.set(0);
        json!({"ok":true,"last":self.last.get()})
    }
}

/// How long `close` lets the closes (and the bus) flush before exiting.
const CLOSE_GRACE: Duration = Duration::from_millis(200);

async fn run(io: &SocketIo, cmd: &Value, ticker: &Rc<Ticker>) -> Value {
    let event = cmd["event"].as_str().unwrap_or_default();
    let wire = match &cmd["args"] {
        list @ Value::Array(_) => list.clone(),
        _ => json!([]),
    };
    let args = args_from_wire(&wire);
    match cmd["op"].as_str().unwrap_or_default() {
        "emit" => {
            target(io, cmd).emit_raw(event, &args);
            json!({"ok":true})
        }
        "emitWithAck" => {
            let ms = cmd["timeout"].as_u64().unwrap_or(5000);
            let op = target(io, cmd).timeout(Duration::from_millis(ms));
            match op.emit_raw_with_ack(event, &args).await {
                Ok(r) => {
                    let mut responses: Vec<Value> = r
                        .replies
                        .iter()
                        .map(|(_, a)| args_to_wire(a)[0].clone())
                        .collect();
                    responses.extend(r.remote.iter().map(|a| args_to_wire(a)[0].clone()));
                    if r.timed_out {
                        json!({"ok":false,"error":"operation has timed out","responses":responses})
                    } else {
                        json!({"ok":true,"responses":responses})
                    }
                }
                Err(e) => json!({"ok":false,"error":e.to_string(),"responses":[]}),
            }
        }
        "socketsJoin" => {
            target(io, cmd).sockets_join(&first_room(cmd));
            json!({"ok":true})
        }
        "socketsLeave" => {
            target(io, cmd).sockets_leave(&first_room(cmd));
            json!({"ok":true})
        }
        "disconnectSockets" => {
            target(io, cmd).disconnect_sockets(cmd["close"] == true);
            json!({"ok":true})
        }
        "fetchSockets" => match target(io, cmd).fetch_sockets().await {
            Ok(sockets) => {
                let sockets: Vec<Value> = sockets
                    .iter()
                    .map(|s| {
                        let mut rooms = s.rooms().to_vec();
                        rooms.sort();
                        json!({"id":s.id(),"rooms":rooms,
                            "data":s.data::<Value>().unwrap_or_default(),
                            "handshake":s.handshake()})
                    })
                    .collect();
                json!({"ok":true,"sockets":sockets})
            }
            // Node's words for it.
            Err(sio_core::socket::ClusterError::Timeout { .. }) => {
                json!({"ok":false,"error":"timeout reached while waiting for fetchSockets response"})
            }
            Err(e) => json!({"ok":false,"error":e.to_string()}),
        },
        "serverSideEmit" => {
            let ns = io.of(cmd["nsp"].as_str().unwrap_or("/"));
            if cmd["ack"] == true {
                let r = ns.server_side_emit_raw_with_ack(event, &args).await;
                let responses: Vec<Value> = r
                    .replies
                    .iter()
                    .map(|a| args_to_wire(a)[0].clone())
                    .collect();
                match r.error {
                    None => json!({"ok":true,"responses":responses}),
                    Some(e) => json!({"ok":false,"error":e.to_string(),"responses":responses}),
                }
            } else {
                ns.server_side_emit_raw(event, &args);
                json!({"ok":true})
            }
        }
        "serverCount" => {
            let ns = io.of(cmd["nsp"].as_str().unwrap_or("/"));
            match ns.server_count().await {
                Some(n) => json!({"ok":true,"count":n}),
                None => json!({"ok":false,"error":"Redis unavailable"}),
            }
        }
        "allRooms" => {
            let ns = io.of(cmd["nsp"].as_str().unwrap_or("/"));
            match ns.all_rooms().await {
                Ok(rooms) => json!({"ok":true,"rooms":rooms}),
                Err(sio_core::socket::ClusterError::Timeout { .. }) => {
                    json!({"ok":false,"error":"timeout reached while waiting for allRooms response"})
                }
                Err(e) => json!({"ok":false,"error":e.to_string()}),
            }
        }
        "ticker" => {
            let every = Duration::from_millis(cmd["every"].as_u64().unwrap_or(20));
            let event = cmd["event"].as_str().unwrap_or("tick").to_owned();
            ticker.start(io, target(io, cmd), event, every)
        }
        "stopTicker" => ticker.stop(),
        "close" => {
            // Reply first (as Node's member), then close every session
            // ("server shutting down") and exit.
            let io2 = io.clone();
            io.spawn(async move {
                smol::Timer::after(Duration::from_millis(1)).await;
                io2.close_all();
                smol::Timer::after(CLOSE_GRACE).await;
                std::process::exit(0);
            });
            json!({"ok":true})
        }
        other => json!({"ok":false,"error":format!("unsupported op {other}")}),
    }
}
