//! The config parser (`loft::config::Config::parse`): whatever the file holds, a config
//! or an error with a place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match loft::config::Config::parse(text, Path::new("/etc/loft/loft.toml")) {
        Ok(cfg) => {
            assert!(!cfg.listen.is_empty());
            assert!(cfg.limits.max_connections >= 1 && !cfg.limits.data_timeout.is_zero());
        }
        Err(e) => {
            if let Some((line, col)) = e.position {
                assert!(line >= 1 && col >= 1, "{e}");
                assert!(line <= text.lines().count().max(1) + 1, "{e}");
            }
            let _ = e.to_string();
        }
    }
});
