//! QR codes of invite links, for a phone's camera: as text on a terminal (`loft invite`)
//! and as SVG in the page (the relay makes it; the page fetches nothing from elsewhere).
//!
//! The encoder is the `qrcodegen` crate (Nayuki's reference implementation: pure Rust,
//! no dependencies). Error correction is "medium" (15%): a code shown on a screen is not
//! torn or stained, and a lower version keeps the modules large enough for an old phone.

use qrcodegen::{QrCode, QrCodeEcc};

/// Modules of light margin around the code, as the standard asks (scanners need it).
const QUIET: i32 = 4;

/// The code of `text`, or `None` if it is too long for any QR version (about 2,300 bytes).
pub(crate) fn encode(text: &str) -> Option<QrCode> {
    QrCode::encode_text(text, QrCodeEcc::Medium).ok()
}

/// Whether the module at (x, y) is dark; the quiet zone and beyond are light.
fn dark(qr: &QrCode, x: i32, y: i32) -> bool {
    qr.get_module(x, y)
}

/// The code as lines of Unicode half blocks, two rows of modules per line.
///
/// As `qrencode -t UTF8` does, the *light* modules are drawn (`█`, `▀`, `▄`) and the dark
/// ones left blank: a terminal draws text light on dark unless told otherwise. `colour`
/// adds escape codes for white on black, so the code also scans on a light terminal.
pub(crate) fn terminal(qr: &QrCode, colour: bool) -> String {
    let size = qr.size();
    let (start, end) = (-QUIET, size + QUIET);
    let mut out = String::new();
    let mut y = start;
    while y < end {
        if colour {
            out.push_str("\x1b[97;40m");
        }
        for x in start..end {
            let top = !dark(qr, x, y);
            let bottom = y + 1 < end && !dark(qr, x, y + 1);
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if colour {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
        y += 2;
    }
    out
}

/// The code as an SVG image: one path of unit squares on a white square, scaled by the
/// page (`viewBox`), with crisp edges.
#[cfg(feature = "web")]
pub(crate) fn svg(qr: &QrCode) -> String {
    let size = qr.size();
    let full = size + 2 * QUIET;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if dark(qr, x, y) {
                path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET, y + QUIET));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{full}\" height=\"{full}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_is_the_code_with_its_margin() {
        let qr = encode("https://192.168.1.1:8443/#invite=abc").unwrap();
        let text = terminal(&qr, false);
        let lines: Vec<&str> = text.lines().collect();
        let width = (qr.size() + 2 * QUIET) as usize;
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // The first two lines are margin: all light.
        assert!(lines[0].chars().all(|c| c == '█'), "{}", lines[0]);
        // The top-left finder pattern starts with a dark row of 7 modules at QUIET.
        let row: String = lines[(QUIET / 2) as usize].chars().skip(QUIET as usize).take(7).collect();
        assert!(row.chars().all(|c| c == ' ' || c == '▄'), "{row:?}");
        assert!(terminal(&qr, true).contains("\x1b[97;40m"));
    }

    #[test]
    #[cfg(feature = "web")]
    fn svg_draws_every_dark_module() {
        let qr = encode("hello").unwrap();
        let svg = svg(&qr);
        let darks = (0..qr.size()).flat_map(|y| (0..qr.size()).map(move |x| (x, y))).filter(|&(x, y)| dark(&qr, x, y));
        assert_eq!(svg.matches("h1v1h-1z").count(), darks.count());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn too_long_is_none() {
        assert!(encode(&"x".repeat(5000)).is_none());
    }
}
