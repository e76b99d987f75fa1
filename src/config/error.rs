//! The config layer's errors: a mistake in the file, with its place ([`ConfigError`]), and
//! what the config commands report ([`Error`], with its exit status).

use std::fmt;
use std::path::PathBuf;

/// A config that could not be used: where, which key, and what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem is at a place in the file.
    pub position: Option<(usize, usize)>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((l, c)) = self.position {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// What can go wrong in the config layer, and in the commands that read or write it.
#[derive(Debug)]
pub enum Error {
    /// A mistake in the config file, with its place (exit status 2).
    Invalid(ConfigError),
    /// A bad argument, or a setting that cannot work (exit status 2).
    Usage(String),
    /// Something outside the config failed, such as a file that cannot be written (1).
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => write!(f, "bad config: {e}"),
            Error::Usage(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Invalid(e)
    }
}

impl crate::base::exit::Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Usage(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}
