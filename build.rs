//! Prepares the web page's files (`src/relay/web/assets`) for `src/relay/web/assets.rs`,
//! which embeds them, and writes the table that serves them (`OUT_DIR/assets_table.rs`).
//!
//! - **Compressed.** Every file is gzipped: the page's HTML, JavaScript and CSS take a
//!   third of their size on a router's flash that way (docs/install.md#sizes has the
//!   figures), and load faster over a slow Wi-Fi. Every browser accepts gzip; see
//!   `assets.rs` for clients that do not.
//! - **Versioned URLs.** A phone that installed the page must not keep a stale module
//!   after a relay upgrade, nor ask for each file again at every start. So each file is
//!   also served as `/assets/NAME.HASH.EXT` (HASH: the first 10 hex digits of the SHA-256
//!   of what is served), cached for good, and the references between files are rewritten
//!   to those names, in the compressed copies only (the sources stay as written, so the
//!   page's tests and outside tools use the plain names, which keep working, revalidated
//!   each time). A module's hash covers its rewritten text, so a change in `codec.js`
//!   changes the URL of every module that imports it, and so on up to `index.html`.
//! - **The app's files.** `sw.js` (the service worker, served at `/sw.js` so that its
//!   scope is the whole page) gets the list of versioned URLs to pre-cache
//!   (`__LOFT_ASSETS__`) and a version over all files (`__LOFT_VERSION__`), so a new
//!   relay means a new worker. The PNG icons of `manifest.webmanifest` are drawn here
//!   (the picture of `icon.svg`, in code: no image files, no image crate), as phones'
//!   home screens want bitmaps.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

/// The files served outside `/assets/`, unversioned: the page itself, its service worker
/// (its URL must stay put, and its scope is the folder it is served from), its manifest.
const ROOT_FILES: &[(&str, &str)] =
    &[("index.html", "/"), ("sw.js", "/sw.js"), ("manifest.webmanifest", "/manifest.webmanifest")];

/// The PNG icons drawn here: (name, size in pixels, maskable: full bleed, the picture in
/// the middle 80 %, which any mask a launcher applies leaves visible).
const ICONS: &[(&str, u32, bool)] =
    &[("icon-192.png", 192, false), ("icon-512.png", 512, false), ("icon-maskable-512.png", 512, true)];

fn main() {
    let dir = PathBuf::from("src/relay/web/assets");
    println!("cargo:rerun-if-changed={}", dir.display());
    if std::env::var_os("CARGO_FEATURE_WEB").is_none() {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut sources: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("src/relay/web/assets") {
        let path = entry.expect("a readable folder").path();
        if !path.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        sources.insert(name, std::fs::read(&path).expect("a readable asset"));
    }
    for (name, size, maskable) in ICONS {
        sources.insert(name.to_string(), png(*size, *size, &draw_icon(*size, *maskable)));
    }
    let rooted: BTreeMap<&str, &str> = ROOT_FILES.iter().copied().collect();

    // The versioned names of the files under /assets/, dependencies first.
    let mut versioned: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    let names: Vec<String> = sources.keys().filter(|n| !rooted.contains_key(n.as_str())).cloned().collect();
    for name in &names {
        resolve(name, &sources, &rooted, &mut versioned, &mut Vec::new());
    }
    let urls: BTreeMap<String, String> = versioned.iter().map(|(n, (url, _))| (n.clone(), url.clone())).collect();

    // The files at the root, rewritten with the final names; the worker last, as it
    // names the version of everything else.
    let mut served: Vec<Served> = Vec::new();
    for name in &names {
        let (url, data) = &versioned[name];
        let tag = hash(data);
        served.push(Served {
            path: format!("/assets/{name}"),
            name: name.clone(),
            data: data.clone(),
            tag: tag.clone(),
            immutable: false,
        });
        served.push(Served { path: url.clone(), name: name.clone(), data: data.clone(), tag, immutable: true });
    }
    let mut version = Sha256::new();
    for s in served.iter().filter(|s| s.immutable) {
        version.update(s.path.as_bytes());
    }
    for (name, path) in ROOT_FILES.iter().filter(|(n, _)| *n != "sw.js") {
        if let Some(src) = sources.get(*name) {
            let data = rewrite(name, src, &urls);
            version.update(&data);
            served.push(Served {
                path: path.to_string(),
                name: name.to_string(),
                tag: hash(&data),
                data,
                immutable: false,
            });
        }
    }
    let version = hex(&version.finalize())[..16].to_string();
    if let Some(src) = sources.get("sw.js") {
        let mut list: Vec<String> = vec!["\"/\"".into()];
        // The PNG icons only when the page is installed, by the browser itself: not cached.
        list.extend(urls.values().filter(|u| !u.ends_with(".png")).map(|u| format!("\"{u}\"")));
        let text = String::from_utf8(rewrite("sw.js", src, &urls)).expect("sw.js is UTF-8");
        let data =
            text.replace("__LOFT_ASSETS__", &format!("[{}]", list.join(", "))).replace("__LOFT_VERSION__", &version);
        let data = data.into_bytes();
        served.push(Served { path: "/sw.js".into(), name: "sw.js".into(), tag: hash(&data), data, immutable: false });
    }

    // The compressed copies, one per file (both URLs of a file share it), and the table.
    let mut table = String::from("// Written by build.rs: the page's files, by URL path.\n");
    table.push_str(&format!("/// A hash over all the page's files: what `sw.js` names its cache after.\n#[cfg(test)]\npub(super) const VERSION: &str = {version:?};\n"));
    table.push_str("/// (URL path, content type, gzip-compressed bytes, ETag, immutable).\npub(super) const FILES: &[Asset] = &[\n");
    // Both URLs of a file name one constant: its bytes are in the binary once.
    let mut consts = String::new();
    let mut written = BTreeSet::new();
    for s in &served {
        let gz_name = format!("{}-{}.gz", s.name, s.tag);
        let ident: String =
            s.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        let konst = format!("GZ_{ident}_{}", s.tag.to_uppercase());
        if written.insert(gz_name.clone()) {
            // No file name and no time in the header: the same input gives the same bytes.
            let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
            gz.write_all(&s.data).expect("compressing in memory");
            std::fs::write(out.join(&gz_name), gz.finish().expect("compressing in memory"))
                .expect("writing to OUT_DIR");
            let gz_path = out.join(&gz_name).to_string_lossy().into_owned();
            consts.push_str(&format!("const {konst}: &[u8] = include_bytes!({gz_path:?});\n"));
        }
        table.push_str(&format!(
            "    Asset {{ path: {:?}, kind: {:?}, gz: {konst}, etag: \"\\\"{}\\\"\", immutable: {} }},\n",
            s.path,
            content_type(&s.name),
            s.tag,
            s.immutable
        ));
    }
    table.push_str("];\n");
    table.push_str(&consts);
    std::fs::write(out.join("assets_table.rs"), table).expect("writing to OUT_DIR");
}

/// One URL the relay serves.
struct Served {
    path: String,
    name: String,
    data: Vec<u8>,
    tag: String,
    immutable: bool,
}

/// Gives `name` (a file under /assets/) its versioned URL and rewritten bytes, after those
/// of the files it refers to. `stack`: the files being resolved, to name a cycle.
fn resolve(
    name: &str,
    sources: &BTreeMap<String, Vec<u8>>,
    rooted: &BTreeMap<&str, &str>,
    done: &mut BTreeMap<String, (String, Vec<u8>)>,
    stack: &mut Vec<String>,
) {
    if done.contains_key(name) {
        return;
    }
    if stack.iter().any(|s| s == name) {
        stack.push(name.to_string());
        panic!(
            "the page's files refer to each other in a circle ({}): a file's versioned URL hashes the URLs it refers to, so the references must not loop; move what both need into a third module",
            stack.join(" -> ")
        );
    }
    stack.push(name.to_string());
    let src = &sources[name];
    for dep in references(name, src, sources) {
        if dep != name && !rooted.contains_key(dep.as_str()) {
            resolve(&dep, sources, rooted, done, stack);
        }
    }
    stack.pop();
    let urls: BTreeMap<String, String> = done.iter().map(|(n, (u, _))| (n.clone(), u.clone())).collect();
    let data = rewrite(name, src, &urls);
    let tag = hash(&data);
    let url = match name.rsplit_once('.') {
        Some((stem, ext)) => format!("/assets/{stem}.{tag}.{ext}"),
        None => format!("/assets/{name}.{tag}"),
    };
    done.insert(name.to_string(), (url, data));
}

/// Whether a file is text whose references are rewritten.
fn is_text(name: &str) -> bool {
    [".html", ".js", ".css", ".svg", ".webmanifest", ".json"].iter().any(|e| name.ends_with(e))
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'
}

/// Every reference in `src` to a file: `/assets/NAME` anywhere in a text file, and, in a
/// JavaScript module, a quoted relative `./NAME` (an ES module import). Each as (where
/// its name starts, where it ends, the name).
fn scan(name: &str, src: &[u8]) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    if !is_text(name) {
        return found;
    }
    let js = name.ends_with(".js");
    let mut i = 0;
    while i < src.len() {
        let start = if src[i..].starts_with(b"/assets/") {
            Some(i + 8)
        } else if js && (src[i] == b'\'' || src[i] == b'"' || src[i] == b'`') && src[i + 1..].starts_with(b"./") {
            Some(i + 3)
        } else {
            None
        };
        if let Some(s) = start {
            let mut e = s;
            while e < src.len() && name_char(src[e]) {
                e += 1;
            }
            if e > s {
                found.push((s, e, String::from_utf8_lossy(&src[s..e]).into_owned()));
                i = e;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The files (under /assets/) that `src` refers to.
fn references(name: &str, src: &[u8], sources: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    scan(name, src).into_iter().map(|r| r.2).filter(|n| sources.contains_key(n)).collect()
}

/// `src` with every reference to a file in `urls` replaced by its versioned name (the
/// part after `/assets/` or `./`, so a relative import stays relative).
fn rewrite(name: &str, src: &[u8], urls: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len() + 256);
    let mut at = 0;
    for (s, e, target) in scan(name, src) {
        let Some(url) = urls.get(&target) else { continue };
        out.extend_from_slice(&src[at..s]);
        out.extend_from_slice(url.strip_prefix("/assets/").expect("versioned URLs are under /assets/").as_bytes());
        at = e;
    }
    out.extend_from_slice(&src[at..]);
    out
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("webmanifest") => "application/manifest+json",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first 10 hex digits of the SHA-256 of `data`: a file's version and its ETag.
fn hash(data: &[u8]) -> String {
    hex(&Sha256::digest(data))[..10].to_string()
}

/// `icon.svg`'s picture (a 32-unit square: a rounded square of the accent colour, radius
/// 7, and a white speech bubble) at `size` pixels, RGBA, each pixel sampled 4 × 4 times
/// for smooth edges. Maskable: the square fills the image and the bubble is smaller.
fn draw_icon(size: u32, maskable: bool) -> Vec<u8> {
    const ACCENT: [f32; 3] = [0x2d as f32, 0x6c as f32, 0xdf as f32];
    const BUBBLE: [(f32, f32); 7] =
        [(7.0, 9.0), (25.0, 9.0), (25.0, 20.0), (14.0, 20.0), (9.0, 24.0), (9.0, 20.0), (7.0, 20.0)];
    // Maskable: the bubble at 80 % about its middle stays inside the safe circle.
    let (scale, cx, cy) = if maskable { (0.8, 16.0, 16.5) } else { (1.0, 16.0, 16.5) };
    let bubble: Vec<(f32, f32)> = BUBBLE.iter().map(|(x, y)| (cx + (x - cx) * scale, cy + (y - cy) * scale)).collect();
    let n = 4;
    let unit = 32.0 / size as f32;
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    for py in 0..size {
        for px in 0..size {
            let (mut square, mut white) = (0u32, 0u32);
            for sy in 0..n {
                for sx in 0..n {
                    let x = (px as f32 + (sx as f32 + 0.5) / n as f32) * unit;
                    let y = (py as f32 + (sy as f32 + 0.5) / n as f32) * unit;
                    if maskable || in_rounded_square(x, y, 32.0, 7.0) {
                        square += 1;
                        if in_polygon(x, y, &bubble) {
                            white += 1;
                        }
                    }
                }
            }
            let all = (n * n) as f32;
            if square == 0 {
                rgba.extend_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            let w = white as f32 / square as f32;
            for c in ACCENT {
                rgba.push((c * (1.0 - w) + 255.0 * w).round() as u8);
            }
            rgba.push((255.0 * square as f32 / all).round() as u8);
        }
    }
    rgba
}

fn in_rounded_square(x: f32, y: f32, side: f32, r: f32) -> bool {
    if !(0.0..side).contains(&x) || !(0.0..side).contains(&y) {
        return false;
    }
    let dx = (r - x).max(x - (side - r)).max(0.0);
    let dy = (r - y).max(y - (side - r)).max(0.0);
    dx * dx + dy * dy <= r * r
}

/// Even-odd rule: a ray to the right crosses the outline an odd number of times.
fn in_polygon(x: f32, y: f32, poly: &[(f32, f32)]) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A PNG of an RGBA image: the signature, IHDR, one IDAT (zlib, each row behind filter
/// byte 0), IEND; each chunk with its CRC-32.
fn png(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(rgba.len() + height as usize);
    for row in rgba.chunks(width as usize * 4) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).expect("compressing in memory");
    let idat = z.finish().expect("compressing in memory");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // 8 bits a sample, colour type 6 (RGBA), deflate, no filter method, no interlace.
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &ihdr), (b"IDAT", &idat), (b"IEND", &Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// CRC-32 (IEEE, as PNG and gzip use it), bit by bit: a few KB of icons at build time.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
