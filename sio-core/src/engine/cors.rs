//! CORS headers for engine responses and preflights, as the `cors` npm
//! package (used by the reference server) writes them.

use super::config::{CorsConfig, CorsOrigin};
use crate::http::{HttpRequest, HttpResponse};

/// Adds the CORS headers for a request from `origin` to `res` (nothing when CORS is off).
pub fn apply(cors: Option<&CorsConfig>, origin: Option<&str>, res: &mut HttpResponse) {
    let Some(cors) = cors else { return };
    match (&cors.origin, origin) {
        (CorsOrigin::Any, Some(o)) if cors.credentials => {
            res.headers
                .push(("access-control-allow-origin", o.to_owned().into()));
            res.headers.push(("vary", "Origin".into()));
        }
        (CorsOrigin::Any, _) => {
            res.headers
                .push(("access-control-allow-origin", "*".into()));
        }
        (CorsOrigin::List(list), o) => {
            if let Some(o) = o.filter(|o| list.iter().any(|allowed| allowed == o)) {
                res.headers
                    .push(("access-control-allow-origin", o.to_owned().into()));
            }
            res.headers.push(("vary", "Origin".into()));
        }
    }
    if cors.credentials {
        res.headers
            .push(("access-control-allow-credentials", "true".into()));
    }
}

/// The answer to a preflight `OPTIONS` request: 204 with the allowed
/// methods and headers.
pub fn preflight(cors: &CorsConfig, req: &HttpRequest) -> HttpResponse {
    let mut res = HttpResponse::empty(204);
    apply(Some(cors), req.header("origin"), &mut res);
    res.headers.push((
        "access-control-allow-methods",
        "GET,HEAD,PUT,PATCH,POST,DELETE".into(),
    ));
    match &cors.allowed_headers {
        Some(list) => res
            .headers
            .push(("access-control-allow-headers", list.join(",").into())),
        None => {
            if let Some(asked) = req.header("access-control-request-headers") {
                res.headers
                    .push(("access-control-allow-headers", asked.to_owned().into()));
                res.headers
                    .push(("vary", "Access-Control-Request-Headers".into()));
            }
        }
    }
    if let Some(age) = cors.max_age {
        res.headers
            .push(("access-control-max-age", age.as_secs().to_string().into()));
    }
    res.headers.push(("content-length", "0".into()));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_origin() {
        let req = HttpRequest::get("/").with_header("Origin", "https://a.example");
        let mut res = HttpResponse::empty(200);
        apply(Some(&CorsConfig::any()), req.header("origin"), &mut res);
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        let cors = CorsConfig {
            credentials: true,
            ..CorsConfig::any()
        };
        let mut res = HttpResponse::empty(200);
        apply(Some(&cors), req.header("origin"), &mut res);
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://a.example")
        );
        assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    }

    #[test]
    fn origin_list() {
        let cors = CorsConfig {
            origin: CorsOrigin::List(vec!["https://ok.example".into()]),
            ..CorsConfig::any()
        };
        let mut res = HttpResponse::empty(200);
        let req = HttpRequest::get("/").with_header("origin", "https://evil.example");
        apply(Some(&cors), req.header("origin"), &mut res);
        assert_eq!(res.header("access-control-allow-origin"), None);
        let req = HttpRequest::get("/")
            .with_header("origin", "https://ok.example")
            .with_header("access-control-request-headers", "x-token");
        let res = preflight(&cors, &req);
        assert_eq!(res.status, 204);
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://ok.example")
        );
        assert_eq!(res.header("access-control-allow-headers"), Some("x-token"));
    }
}
