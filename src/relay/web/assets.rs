//! The page's files, compiled into the binary: a router has no place to put them, and
//! nothing is fetched from anywhere else at run time (the CSP forbids it too).

use super::api::{error, full, Resp};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

/// (URL path, content type, gzip-compressed bytes: see build.rs).
const FILES: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/index.html.gz"))),
    ("/assets/app.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/app.js.gz"))),
    ("/assets/api.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/api.js.gz"))),
    ("/assets/codec.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/codec.js.gz"))),
    ("/assets/files.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/files.js.gz"))),
    ("/assets/qr.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/qr.js.gz"))),
    ("/assets/history.js", "text/javascript; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/history.js.gz"))),
    ("/assets/style.css", "text/css; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/style.css.gz"))),
    ("/assets/icon.svg", "image/svg+xml", include_bytes!(concat!(env!("OUT_DIR"), "/icon.svg.gz"))),
];

/// A `GET` (or `HEAD`) of one of the page's files, whose request said `accept_encoding`.
///
/// The files are kept compressed only (a router's flash is small), so they are sent with
/// `Content-Encoding: gzip`: to every browser, which asks for it, and to clients that
/// send no `Accept-Encoding` at all (which, RFC 9110 §12.5.3, accept any coding). Only a
/// client that asks for something else without gzip gets `406`.
pub(super) fn get(method: &Method, path: &str, accept_encoding: Option<&str>) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return error(StatusCode::METHOD_NOT_ALLOWED, "only GET here");
    }
    let path = if path == "/index.html" { "/" } else { path };
    let Some((_, kind, bytes)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return error(StatusCode::NOT_FOUND, &format!("{path}: not found"));
    };
    if !accept_encoding.is_none_or(accepts_gzip) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "this relay sends its page gzip-compressed, as every browser accepts (curl: add --compressed)",
        );
    }
    let mut r = Response::new(full(Bytes::from_static(bytes)));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // The files change only with the binary; a relay upgrade must not serve a stale
    // mix of old and new modules, so the browser revalidates each time.
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Whether an `Accept-Encoding` value admits gzip (`gzip` or `*`, without `q=0`).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("").to_ascii_lowercase();
        let refused =
            parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0)));
        (coding == "gzip" || coding == "x-gzip" || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("gzip;q=0, br"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn the_page_is_served_compressed() {
        let r = get(&Method::GET, "/", Some("gzip"));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(get(&Method::GET, "/assets/app.js", None).status(), StatusCode::OK);
        assert_eq!(get(&Method::GET, "/", Some("identity")).status(), StatusCode::NOT_ACCEPTABLE);
    }
}
