//! The page's files, compiled into the binary: a router has no place to put them, and
//! nothing is fetched from anywhere else at run time (the CSP forbids it too).
//!
//! How they are cached, so that an installed page starts at once and never mixes the
//! modules of two relay versions: each file under `/assets/` also has a versioned URL
//! (`/assets/NAME.HASH.EXT`, see build.rs), sent `immutable` for a year, and the files
//! refer to each other by those. What must stay at one URL (`/`, `/sw.js`,
//! `/manifest.webmanifest`, and the plain `/assets/NAME.EXT` that outside tools use) is
//! sent `no-cache` with an `ETag`: the browser asks each time, and gets `304` with no
//! body when nothing changed.

use super::api::{error, full, Resp};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

/// One URL of the page's files.
pub(super) struct Asset {
    /// The URL path (`/`, `/assets/app.js`, `/assets/app.0123456789.js`).
    pub(super) path: &'static str,
    pub(super) kind: &'static str,
    /// The file, gzip-compressed (build.rs).
    pub(super) gz: &'static [u8],
    /// A strong `ETag`, quoted: the first 10 hex digits of the file's SHA-256.
    pub(super) etag: &'static str,
    /// A versioned URL, whose contents never change.
    pub(super) immutable: bool,
}

// `VERSION` and `FILES`, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/assets_table.rs"));

/// A `GET` (or `HEAD`) of one of the page's files, whose request said `accept_encoding`
/// and `if_none_match`.
///
/// The files are kept compressed only (a router's flash is small), so they are sent with
/// `Content-Encoding: gzip`: to every browser, which asks for it, and to clients that
/// send no `Accept-Encoding` at all (which, RFC 9110 §12.5.3, accept any coding). Only a
/// client that asks for something else without gzip gets `406`.
pub(super) fn get(method: &Method, path: &str, accept_encoding: Option<&str>, if_none_match: Option<&str>) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return error(StatusCode::METHOD_NOT_ALLOWED, "only GET here");
    }
    let path = if path == "/index.html" { "/" } else { path };
    let Some(file) = FILES.iter().find(|f| f.path == path) else {
        return error(StatusCode::NOT_FOUND, &format!("{path}: not found"));
    };
    let fresh = if_none_match.is_some_and(|v| matches_etag(v, file.etag));
    if !fresh && !accept_encoding.is_none_or(accepts_gzip) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "this relay sends its page gzip-compressed, as every browser accepts (curl: add --compressed)",
        );
    }
    let mut r = if fresh {
        let mut r = Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(full(Bytes::from_static(file.gz)));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(file.kind));
        r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    };
    let h = r.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::ETAG, HeaderValue::from_static(file.etag));
    // A versioned URL never changes: kept for a year, never asked again. Anything else
    // changes with the binary, and a relay upgrade must not serve a stale mix of old and
    // new modules, so the browser revalidates it each time (a 304 when unchanged).
    let cache = if file.immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

/// Whether an `If-None-Match` value names `etag` (or is `*`); weak tags compare weakly,
/// as RFC 9110 §13.1.2 says for this header.
fn matches_etag(value: &str, etag: &str) -> bool {
    value.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
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
    use std::io::Read;

    fn find(path: &str) -> &'static Asset {
        FILES.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} is not served"))
    }

    /// A file as the browser reads it, after gzip.
    fn plain(path: &str) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(find(path).gz).read_to_end(&mut out).unwrap();
        out
    }

    fn text(path: &str) -> String {
        String::from_utf8(plain(path)).unwrap()
    }

    /// Every quoted string in `src` that starts with `start`, up to its closing quote.
    fn quoted<'a>(src: &'a str, start: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        for q in ['\'', '"', '`'] {
            let open = format!("{q}{start}");
            let mut rest = src;
            while let Some(i) = rest.find(&open) {
                let tail = &rest[i + 1..];
                let end = tail.find(q).unwrap_or(tail.len());
                out.push(&tail[..end]);
                rest = &tail[end..];
            }
        }
        out
    }

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
        let r = get(&Method::GET, "/", Some("gzip"), None);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(get(&Method::GET, "/assets/app.js", None, None).status(), StatusCode::OK);
        assert_eq!(get(&Method::GET, "/", Some("identity"), None).status(), StatusCode::NOT_ACCEPTABLE);
        assert_eq!(get(&Method::GET, "/assets/nothing.js", None, None).status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn versioned_urls_are_immutable_and_plain_ones_revalidate() {
        let versioned: Vec<&Asset> = FILES.iter().filter(|f| f.immutable).collect();
        assert!(versioned.len() >= 8, "{}", versioned.len());
        for f in versioned {
            let r = get(&Method::GET, f.path, Some("gzip"), None);
            assert_eq!(r.status(), StatusCode::OK, "{}", f.path);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{}", f.path);
            let tag = r.headers()[header::ETAG].to_str().unwrap();
            assert!(tag.len() == 12 && tag.starts_with('"') && tag.ends_with('"'), "{tag}");
            // /assets/app.0123456789.js: the hash in the name is the ETag.
            assert!(f.path.contains(&format!(".{}.", &tag[1..11])), "{} {tag}", f.path);
            let name = f.path.replacen(&format!(".{}", &tag[1..11]), "", 1);
            let p = find(&name);
            assert!(!p.immutable && p.etag == f.etag && p.gz == f.gz, "{name}");
            let r = get(&Method::GET, &name, None, None);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache", "{name}");
            assert_eq!(r.headers()[header::ETAG], f.etag, "{name}");
        }
        for path in ["/", "/sw.js", "/manifest.webmanifest"] {
            assert!(!find(path).immutable, "{path}");
            assert_eq!(get(&Method::GET, path, None, None).headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        }
    }

    #[test]
    fn the_page_answers_304_to_its_etag() {
        let tag = find("/").etag;
        for asked in [tag.to_string(), format!("W/{tag}"), format!("\"nope\", {tag}"), "*".into()] {
            let r = get(&Method::GET, "/", Some("gzip"), Some(&asked));
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{asked}");
            assert_eq!(r.headers()[header::ETAG], tag);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
            assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        }
        let r = get(&Method::GET, "/index.html", Some("gzip"), Some("\"0000000000\""));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::ETAG], tag);
    }

    #[test]
    fn the_page_refers_only_to_versioned_urls_that_are_served() {
        let html = text("/");
        let refs = quoted(&html, "/assets/");
        assert!(refs.len() >= 3, "{refs:?}");
        for r in refs {
            let f = find(r);
            assert!(f.immutable, "index.html refers to {r}, not to a versioned URL");
        }
        assert!(!html.contains("\"/assets/app.js\""), "the source's plain names are rewritten");
    }

    #[test]
    fn every_import_in_every_module_resolves_to_a_versioned_url() {
        let mut imports = 0;
        for f in FILES.iter().filter(|f| f.immutable && f.path.ends_with(".js")) {
            let js = text(f.path);
            for r in quoted(&js, "./") {
                imports += 1;
                let url = format!("/assets/{}", r.trim_start_matches("./"));
                assert!(find(&url).immutable, "{} imports {r}, not a versioned URL", f.path);
            }
            for r in quoted(&js, "/assets/") {
                assert!(find(r).immutable, "{} refers to {r}", f.path);
            }
        }
        assert!(imports >= 5, "{imports}");
    }

    #[test]
    fn the_service_worker_precaches_every_versioned_file_but_the_icons() {
        let r = get(&Method::GET, "/sw.js", None, None);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(!FILES.iter().any(|f| f.path.starts_with("/assets/sw.")), "the worker is never versioned");
        let js = text("/sw.js");
        assert!(!js.contains("__LOFT_"), "placeholders left in sw.js");
        assert!(js.contains(VERSION) && VERSION.len() == 16, "{VERSION}");
        let list = js.split_once("[\"/\"").map(|(_, rest)| rest.split_once(']').unwrap().0).expect("the asset list");
        let listed: Vec<&str> = list.split(',').map(|u| u.trim().trim_matches('"')).filter(|u| !u.is_empty()).collect();
        // Every versioned file but the PNG icons, which the browser fetches itself when it
        // installs the page.
        let versioned: Vec<&str> =
            FILES.iter().filter(|f| f.immutable && !f.path.ends_with(".png")).map(|f| f.path).collect();
        for u in &listed {
            assert!(versioned.contains(u), "{u} is not a versioned URL, or an icon");
        }
        assert_eq!(listed.len(), versioned.len());
    }

    #[test]
    fn the_manifest_names_served_icons() {
        let r = get(&Method::GET, "/manifest.webmanifest", None, None);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/manifest+json");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
        let m: serde_json::Value = serde_json::from_slice(&plain("/manifest.webmanifest")).unwrap();
        assert_eq!(m["name"], "Loft");
        assert_eq!(m["short_name"], "Loft");
        assert_eq!(m["start_url"], "/");
        assert_eq!(m["scope"], "/");
        assert_eq!(m["display"], "standalone");
        assert_eq!(m["theme_color"], "#2d6cdf");
        assert_eq!(m["background_color"], "#f4f5f7");
        assert!(m["description"].as_str().is_some_and(|d| !d.is_empty()));
        let icons = m["icons"].as_array().unwrap();
        let mut sizes = Vec::new();
        for i in icons {
            let src = i["src"].as_str().unwrap();
            let f = find(src);
            assert!(f.immutable, "{src}");
            assert_eq!(f.kind, i["type"].as_str().unwrap(), "{src}");
            sizes.push((i["sizes"].as_str().unwrap(), i["purpose"].as_str().unwrap()));
        }
        for want in [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable"), ("any", "any")] {
            assert!(sizes.contains(&want), "{want:?} in {sizes:?}");
        }
    }

    #[test]
    fn the_png_icons_are_valid_pngs() {
        for (name, side) in [("icon-192.png", 192u32), ("icon-512.png", 512), ("icon-maskable-512.png", 512)] {
            let png = plain(&format!("/assets/{name}"));
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}");
            let mut at = 8;
            let mut chunks = Vec::new();
            let mut idat = Vec::new();
            while at < png.len() {
                let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
                let kind = std::str::from_utf8(&png[at + 4..at + 8]).unwrap().to_string();
                let data = &png[at + 8..at + 8 + len];
                let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
                let mut c = flate2::Crc::new();
                c.update(&png[at + 4..at + 8 + len]);
                assert_eq!(c.sum(), crc, "{name}: the CRC of {kind}");
                if kind == "IHDR" {
                    assert_eq!(u32::from_be_bytes(data[0..4].try_into().unwrap()), side, "{name}: width");
                    assert_eq!(u32::from_be_bytes(data[4..8].try_into().unwrap()), side, "{name}: height");
                    assert_eq!(&data[8..13], &[8, 6, 0, 0, 0], "{name}: 8-bit RGBA");
                }
                if kind == "IDAT" {
                    idat.extend_from_slice(data);
                }
                chunks.push(kind);
                at += 12 + len;
            }
            assert_eq!(chunks.first().map(String::as_str), Some("IHDR"));
            assert_eq!(chunks.last().map(String::as_str), Some("IEND"));
            let mut raw = Vec::new();
            flate2::read::ZlibDecoder::new(&idat[..]).read_to_end(&mut raw).unwrap();
            let side = side as usize;
            assert_eq!(raw.len(), side * (1 + 4 * side), "{name}");
            // The accent colour in the middle of the top edge, white in the bubble.
            let px = |x: usize, y: usize| &raw[y * (1 + 4 * side) + 1 + 4 * x..][..4];
            assert_eq!(px(side / 2, side / 32), &[0x2d, 0x6c, 0xdf, 0xff], "{name}");
            assert_eq!(px(side / 2, side * 14 / 32), &[0xff, 0xff, 0xff, 0xff], "{name}");
            let corner = px(0, 0)[3];
            assert_eq!(corner, if name.contains("maskable") { 0xff } else { 0 }, "{name}: the corner");
        }
    }

    /// The issue's budget: what a phone downloads to open the page (the page, its modules,
    /// its styles and icon, the worker and the manifest), compressed, at most 40 KB.
    #[test]
    fn the_page_loads_at_most_40_kb_compressed() {
        let loaded: Vec<&Asset> = FILES
            .iter()
            .filter(|f| {
                (f.immutable && !f.path.ends_with(".png")) || ["/", "/sw.js", "/manifest.webmanifest"].contains(&f.path)
            })
            .collect();
        let total: usize = loaded.iter().map(|f| f.gz.len()).sum();
        let list: Vec<String> = loaded.iter().map(|f| format!("{} {}", f.path, f.gz.len())).collect();
        assert!(total <= 40_000, "the page's files take {total} bytes compressed, over 40 KB: {list:?}");
    }
}
