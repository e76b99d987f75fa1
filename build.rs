//! Compresses the web page's files (`src/relay/web/assets`) with gzip into `OUT_DIR`, where
//! `src/relay/web/assets.rs` embeds them: the page's HTML, JavaScript and CSS take a third
//! of their size on a router's flash that way (docs/install.md#sizes has the figures), and
//! load faster over a slow Wi-Fi. Every browser accepts gzip; see `assets.rs` for clients
//! that do not.

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from("src/relay/web/assets");
    println!("cargo:rerun-if-changed={}", dir.display());
    if std::env::var_os("CARGO_FEATURE_WEB").is_none() {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for entry in std::fs::read_dir(&dir).expect("src/relay/web/assets") {
        let path = entry.expect("a readable folder").path();
        if !path.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let data = std::fs::read(&path).expect("a readable asset");
        // No file name and no time in the header: the same input gives the same bytes.
        let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
        gz.write_all(&data).expect("compressing in memory");
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        std::fs::write(out.join(format!("{name}.gz")), gz.finish().expect("compressing in memory"))
            .expect("writing to OUT_DIR");
    }
}
