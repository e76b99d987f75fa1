//! Reading `loft.toml`: the file, serde's parse with the place of a mistake, relative
//! paths made absolute, then [`validate`](super::validate).

use super::locate::{key_at, line_col};
use super::{Config, ConfigError};
use std::path::{Path, PathBuf};

impl Config {
    /// Reads, parses and validates the file; relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            position: None,
            key: None,
            message: match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "no such file; create one with `loft init --root DIR`, or name another with -c PATH or $LOFT_CONFIG"
                        .into()
                }
                _ => format!("cannot read it: {e}"),
            },
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates `text`, which came from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|s| line_col(text, s.start));
            let key = e.span().and_then(|s| key_at(text, s.start));
            ConfigError { file: path.to_path_buf(), position, key, message: e.message().trim().to_string() }
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        // Absolute, so the relay means the same folders whatever its working directory.
        let base = std::path::absolute(&base).unwrap_or(base);
        cfg.root = base.join(&cfg.root);
        cfg.tls.cert = base.join(&cfg.tls.cert);
        cfg.tls.key = base.join(&cfg.tls.key);
        cfg.tls.ca_cert = base.join(&cfg.tls.ca_cert);
        cfg.tls.ca_key = base.join(&cfg.tls.ca_key);
        #[cfg(feature = "cluster")]
        if let Some(c) = cfg.cluster.as_mut() {
            for f in [&mut c.nkey_seed_file, &mut c.tls_ca, &mut c.tls_cert, &mut c.tls_key].into_iter().flatten() {
                *f = base.join(&*f);
            }
        }
        cfg.source = Some(base.join(path.file_name().unwrap_or_default()));
        cfg.validate(text, path)?;
        if let Some(f) = cfg.users_file.take() {
            let file = base.join(f);
            cfg.read_users_file(&file)?;
            cfg.users_file = Some(file);
        }
        Ok(cfg)
    }

    /// Adds the `[[users]]` of `users_file` (if it exists) to those of the config.
    fn read_users_file(&mut self, file: &Path) -> Result<(), ConfigError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct UsersFile {
            #[serde(default)]
            users: Vec<super::UserEntry>,
        }
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(ConfigError {
                    file: file.to_path_buf(),
                    position: None,
                    key: None,
                    message: format!("cannot read this users_file: {e}"),
                })
            }
        };
        let extra: UsersFile = toml::from_str(&text).map_err(|e| {
            let position = e.span().map(|s| line_col(&text, s.start));
            let key = e.span().and_then(|s| key_at(&text, s.start));
            ConfigError { file: file.to_path_buf(), position, key, message: e.message().trim().to_string() }
        })?;
        let mut seen = self.users.iter().map(|u| u.name.as_str()).collect();
        super::validate::check_users(&extra.users, &text, file, &mut seen)?;
        self.users.extend(extra.users);
        Ok(())
    }
}
