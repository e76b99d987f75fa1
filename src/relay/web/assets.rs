//! The page's files, compiled into the binary: a router has no place to put them, and
//! nothing is fetched from anywhere else at run time (the CSP forbids it too).

use super::api::{error, full, Resp};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

/// (URL path, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("assets/index.html")),
    ("/assets/app.js", "text/javascript; charset=utf-8", include_bytes!("assets/app.js")),
    ("/assets/api.js", "text/javascript; charset=utf-8", include_bytes!("assets/api.js")),
    ("/assets/codec.js", "text/javascript; charset=utf-8", include_bytes!("assets/codec.js")),
    ("/assets/style.css", "text/css; charset=utf-8", include_bytes!("assets/style.css")),
    ("/assets/icon.svg", "image/svg+xml", include_bytes!("assets/icon.svg")),
];

/// A `GET` (or `HEAD`) of one of the page's files.
pub(super) fn get(method: &Method, path: &str) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return error(StatusCode::METHOD_NOT_ALLOWED, "only GET here");
    }
    let path = if path == "/index.html" { "/" } else { path };
    let Some((_, kind, bytes)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return error(StatusCode::NOT_FOUND, &format!("{path}: not found"));
    };
    let mut r = Response::new(full(Bytes::from_static(bytes)));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // The files change only with the binary; a relay upgrade must not serve a stale
    // mix of old and new modules, so the browser revalidates each time.
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}
