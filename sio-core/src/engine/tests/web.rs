//! Browser-facing details: JSONP polling, CORS, the session cookie, the path.

use super::*;

/// The payload inside a JSONP response `___eio[<index>]("<payload>");`.
#[track_caller]
fn jsonp_payload(res: &HttpResponse, index: &str) -> String {
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(
        res.header("content-type"),
        Some("text/javascript; charset=UTF-8")
    );
    let body = body_str(res);
    let prefix = format!("___eio[{index}](");
    let inner = body
        .strip_prefix(&prefix)
        .and_then(|b| b.strip_suffix(");"))
        .unwrap_or_else(|| panic!("not a JSONP response for {index}: {body}"));
    serde_json::from_str(inner).expect("a JS string literal (JSON)")
}

#[test]
fn jsonp_handshake() {
    let mut t = TestEngine::new();
    let conn = t.get(&format!("{HANDSHAKE}&j=0"));
    let out = t.drain();
    let res = out.response(conn);
    let payload = jsonp_payload(res, "0");
    let json = open_json(payload.as_bytes());
    let sid = Sid::parse(json["sid"].as_str().unwrap()).unwrap();
    assert_eq!(json, expected_open(sid, &["websocket"]));
    // Exactly: the open packet as a JS string literal, quotes escaped.
    let expected = format!(
        r#"___eio[0]("0{{\"sid\":\"{sid}\",\"upgrades\":[\"websocket\"],\"pingInterval\":300,\"pingTimeout\":200,\"maxPayload\":1000000}}");"#
    );
    assert_eq!(body_str(res), expected);
    assert_eq!(out.opened(), vec![(sid, Transport::Polling)]);
}

#[test]
fn jsonp_poll_and_post() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let pq = format!("{}&j=3", polling(sid));
    let get = t.get(&pq);
    // Two sends before the adapter drains: one batched response.
    t.engine.send(sid, Message::text("say \"hi\"\n")).unwrap();
    t.engine
        .send(sid, Message::binary(vec![1u8, 2, 3]))
        .unwrap();
    let out = t.drain();
    assert_eq!(
        jsonp_payload(out.response(get), "3"),
        "4say \"hi\"\n\x1ebAQID"
    );
    assert_eq!(
        body_str(out.response(get)),
        r#"___eio[3]("4say \"hi\"\n\u001ebAQID");"#
    );

    let post = t.post(&pq, "d=4hello");
    let out = t.drain();
    let res = out.response(post);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/html"));
    assert_eq!(body_str(res), "ok");
    assert_eq!(out.messages(sid), vec![Message::text("hello")]);

    // URL-encoded, with an escaped newline and two packets.
    t.post(&pq, "d=4a+b%5Cnc%1E4%C3%A9");
    assert_eq!(
        t.drain().messages(sid),
        vec![Message::text("a b\nc"), Message::text("é")]
    );
}

#[test]
fn jsonp_post_escapes_as_the_reference_client_sends_them() {
    // The client escapes a newline as `\n` and a literal `\n` (backslash, n)
    // as `\\n`; the server undoes both. Other backslashes are left alone.
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let pq = format!("{}&j=0", polling(sid));
    // Form body of d=`4line\nbreak \\n literal \\ alone \x`, URL-encoded.
    t.post(&pq, "d=4line%5Cnbreak+%5C%5Cn+literal+%5C%5C+alone+%5Cx");
    assert_eq!(
        t.drain().messages(sid),
        vec![Message::text("line\nbreak \\n literal \\\\ alone \\x")]
    );
}

#[test]
fn jsonp_post_without_data_is_a_parse_error() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let post = t.post(&format!("{}&j=0", polling(sid)), "4hello");
    let out = t.drain();
    assert_error(out.response(post), 400, 3, "Bad request");
    assert_eq!(out.closed(), vec![(sid, CloseReason::ParseError)]);
}

#[test]
fn jsonp_index_keeps_only_digits() {
    let mut t = TestEngine::new();
    for (j, index) in [
        ("1<script>", "1"),
        ("1%3Cscript%3Ealert(1)%3C/script%3E", "11"),
        ("2\");alert(1);//", "21"),
    ] {
        let conn = t.get(&format!("{HANDSHAKE}&j={j}"));
        let out = t.drain();
        let res = out.response(conn);
        assert!(
            body_str(res).starts_with(&format!("___eio[{index}](\"0{{")),
            "{j}: {}",
            body_str(res)
        );
        jsonp_payload(res, index);
    }
}

#[test]
fn cors_headers_on_every_response() {
    let mut t = TestEngine::with_config(EngineConfig {
        cors: Some(CorsConfig::any()),
        ..config()
    });
    let origin = |req: HttpRequest| req.with_header("Origin", "https://app.example");
    let hs = t.request(origin(HttpRequest::get(HANDSHAKE)));
    let out = t.drain();
    let res = out.response(hs);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    let sid = Sid::parse(open_json(&res.body)["sid"].as_str().unwrap()).unwrap();

    // A held GET answered later still gets them.
    let get = t.request(origin(HttpRequest::get(&polling(sid))));
    let post = t.request(origin(HttpRequest::new(Method::Post, &polling(sid))));
    t.take_read_body(post);
    t.body(post, "4x");
    t.send(sid, Message::text("late"));
    let out = t.drain();
    assert_eq!(
        out.response(get).header("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        out.response(post).header("access-control-allow-origin"),
        Some("*")
    );

    // Errors too.
    let err = t.request(origin(HttpRequest::get("/engine.io/?EIO=4&transport=foo")));
    let out = t.drain();
    assert_eq!(
        out.response(err).header("access-control-allow-origin"),
        Some("*")
    );
    assert_error(out.response(err), 400, 0, "Transport unknown");

    // And the WebSocket handshake.
    let mut req = origin(HttpRequest::get(WS_HANDSHAKE));
    req.websocket = true;
    let ws = t.request(req);
    let out = t.drain();
    assert_eq!(
        out.ws_accept(ws),
        &[("access-control-allow-origin", "*".into())]
    );
}

#[test]
fn cors_preflight() {
    let mut t = TestEngine::with_config(EngineConfig {
        cors: Some(CorsConfig::any()),
        ..config()
    });
    let conn = t.request(
        HttpRequest::new(Method::Options, HANDSHAKE)
            .with_header("Origin", "https://app.example")
            .with_header("Access-Control-Request-Method", "POST")
            .with_header("Access-Control-Request-Headers", "content-type"),
    );
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    let res = out.response(conn);
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        res.header("access-control-allow-methods"),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("content-type")
    );
    // No session was made.
    assert_eq!(t.engine.session_count(), 0);
}

#[test]
fn cors_with_credentials_reflects_the_origin() {
    let mut t = TestEngine::with_config(EngineConfig {
        cors: Some(CorsConfig {
            credentials: true,
            ..CorsConfig::any()
        }),
        ..config()
    });
    let conn = t.request(HttpRequest::get(HANDSHAKE).with_header("Origin", "https://app.example"));
    let out = t.drain();
    let res = out.response(conn);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
}

#[test]
fn no_cors_headers_unless_configured() {
    let mut t = TestEngine::new();
    let hs = t.request(HttpRequest::get(HANDSHAKE).with_header("Origin", "https://app.example"));
    let err = t.request(HttpRequest::get("/engine.io/?EIO=4").with_header("Origin", "https://x"));
    let pre = t.request(
        HttpRequest::new(Method::Options, HANDSHAKE).with_header("Origin", "https://app.example"),
    );
    let out = t.drain();
    for conn in [hs, err, pre] {
        let res = out.response(conn);
        assert!(
            res.headers
                .iter()
                .all(|(n, _)| !n.starts_with("access-control-")),
            "{res:?}"
        );
    }
    // Without CORS a preflight is just a handshake with the wrong method.
    assert_error(out.response(pre), 400, 2, "Bad handshake method");
}

#[test]
fn session_cookie() {
    let mut t = TestEngine::with_config(EngineConfig {
        cookie: Some(CookieConfig::default()),
        ..config()
    });
    let conn = t.get(HANDSHAKE);
    let out = t.drain();
    let res = out.response(conn);
    let sid = Sid::parse(open_json(&res.body)["sid"].as_str().unwrap()).unwrap();
    assert_eq!(
        res.header("set-cookie"),
        Some(format!("io={sid}; Path=/; HttpOnly; SameSite=Lax").as_str())
    );
    // Only the handshake sets it.
    let get = t.get(&polling(sid));
    t.send(sid, Message::text("x"));
    assert_eq!(t.drain().response(get).header("set-cookie"), None);
    // The WebSocket handshake sets it on the 101.
    let ws = t.ws_open(WS_HANDSHAKE);
    let out = t.drain();
    let texts = out.texts(ws);
    let sid = Sid::parse(open_json(texts[0].as_bytes())["sid"].as_str().unwrap()).unwrap();
    assert_eq!(
        out.ws_accept(ws),
        &[(
            "set-cookie",
            format!("io={sid}; Path=/; HttpOnly; SameSite=Lax").into()
        )]
    );
}

#[test]
fn custom_cookie() {
    let mut t = TestEngine::with_config(EngineConfig {
        cookie: Some(CookieConfig {
            name: "sess".into(),
            path: "/app".into(),
            http_only: false,
            same_site: "Strict".into(),
        }),
        ..config()
    });
    let conn = t.get(&format!("{HANDSHAKE}&j=0"));
    let out = t.drain();
    let res = out.response(conn);
    let payload = jsonp_payload(res, "0");
    let sid = Sid::parse(open_json(payload.as_bytes())["sid"].as_str().unwrap()).unwrap();
    assert_eq!(
        res.header("set-cookie"),
        Some(format!("sess={sid}; Path=/app; SameSite=Strict").as_str())
    );
}

#[test]
fn path_matching() {
    let t = TestEngine::new();
    for (path, matches) in [
        ("/engine.io/", true),
        ("/engine.io", true),
        ("/engine.io/anything", true),
        ("/engine.iox", false),
        ("/engine.i", false),
        ("/socket.io/", false),
        ("/", false),
        ("", false),
    ] {
        assert_eq!(t.engine.matches_path(path), matches, "{path:?}");
    }
}
