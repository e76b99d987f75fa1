//! `loft user add | passwd | del | list`: the users, edited in the config file itself.
//!
//! The config is a file a person also edits by hand, so it is changed in place with
//! toml_edit (comments and layout kept), checked as a whole before it is written, and
//! replaced atomically: a mistake never leaves a relay with a config it cannot start from.

use super::{resolve_path, Config, Error};
use crate::base::files::write_atomic;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Table};

/// Manage the relay's users (in the config file, comments kept).
///
/// Passwords are stored as PBKDF2 hashes. Give one on standard input with
/// --password-stdin (first line), or type it at the prompt; with neither, on a
/// non-terminal, a random one is made and printed once.
///
/// A running relay picks the change up on SIGHUP (`systemctl reload loft`,
/// `/etc/init.d/loft reload`, or `kill -HUP`).
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct UserArgs {
    #[command(subcommand)]
    pub(crate) action: UserAction,
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum UserAction {
    /// Add a user.
    Add(UserOpts),
    /// Set a user's password (and, if given, --read-only / --home).
    Passwd(UserOpts),
    /// Remove a user (their files stay).
    Del(NameOnly),
    /// List the users.
    List(ConfigOnly),
}

#[derive(clap::Args, Debug)]
pub(crate) struct UserOpts {
    /// The user name (letters, digits, `.`, `_`, `-`).
    pub(crate) name: String,
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// The user may read but not change anything.
    #[arg(long)]
    pub(crate) read_only: bool,
    /// Their home, a folder below the config's root (default: the root itself).
    #[arg(long, value_name = "SUBDIR")]
    pub(crate) home: Option<String>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct NameOnly {
    pub(crate) name: String,
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct ConfigOnly {
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
}

/// A user name Loft accepts.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?}: a user name is 1 to 32 letters, digits, `.`, `_` or `-`, not starting with `-` or `.`"))
    }
}

/// Reads a new password: stdin's first line, a prompt, or a random one (printed).
pub(crate) fn read_password(from_stdin: bool, who: &str) -> Result<(String, bool), String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading the password from stdin: {e}"))?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if pw.is_empty() {
            return Err("the password on standard input is empty".into());
        }
        return Ok((pw, false));
    }
    if std::io::stdin().is_terminal() {
        let a = prompt_hidden(&format!("New password for {who}: "))?;
        let b = prompt_hidden("Again: ")?;
        if a != b {
            return Err("the two passwords differ; nothing changed".into());
        }
        if a.is_empty() {
            return Err("empty password; nothing changed".into());
        }
        return Ok((a, false));
    }
    Ok((random_password(), true))
}

/// A random password that is easy to read out: 4 groups of 4 letters and digits.
pub(crate) fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let groups: Vec<String> =
        (0..4).map(|_| (0..4).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()).collect();
    groups.join("-")
}

fn prompt_hidden(prompt: &str) -> Result<String, String> {
    crate::base::prompt::secret(prompt)
        .ok_or_else(|| "no password typed; nothing changed (or use --password-stdin)".into())
}

/// Loads the document, applies `edit`, validates the result, writes it atomically.
pub(crate) fn edit_config(
    path: &Path,
    edit: impl FnOnce(&mut DocumentMut) -> Result<(), String>,
) -> Result<(), String> {
    // One writer at a time (`loft user …`, and the relay adding an invited user): a
    // read-modify-write racing another would lose one of the changes.
    let _lock = lock_beside(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // The file must be valid before, too: editing a broken config would hide the break.
    Config::parse(&text, path).map_err(|e| format!("fix the config first: {e}"))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    edit(&mut doc)?;
    let out = doc.to_string();
    Config::parse(&out, path).map_err(|e| format!("the change would make the config invalid, nothing written: {e}"))?;
    write_atomic(path, out.as_bytes()).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// An exclusive `flock` of `PATH.lock`, held until the file is dropped.
fn lock_beside(path: &Path) -> Result<std::fs::File, String> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock = path.with_file_name(name);
    crate::base::files::lock_exclusive(&lock).map_err(|e| format!("cannot lock {}: {e}", lock.display()))
}

/// Applies `edit` to where the relay keeps the users it adds itself (an invited person):
/// the config's `users_file` when it has one, else the config. The users file is changed
/// like the config (under a lock, comments kept, written atomically) and checked by
/// loading the config with it; a change that would not load is undone.
pub(crate) fn edit_users(
    config: &Path,
    edit: impl FnOnce(&mut DocumentMut) -> Result<(), String>,
) -> Result<(), String> {
    let cfg = Config::load(config).map_err(|e| format!("fix the config first: {e}"))?;
    let Some(file) = cfg.users_file else { return edit_config(config, edit) };
    let _lock = lock_beside(&file)?;
    let before = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let start = before.clone().unwrap_or_else(|| {
        "# Accounts made by invites (loft invite; the page's \"Invite someone\"), read with the\n\
         # relay's config (its users_file). `loft user del NAME` removes one.\n"
            .into()
    });
    let mut doc: DocumentMut = start.parse().map_err(|e| format!("{}: {e}", file.display()))?;
    edit(&mut doc)?;
    write_atomic(&file, doc.to_string().as_bytes()).map_err(|e| format!("writing {}: {e}", file.display()))?;
    if let Err(e) = Config::load(config) {
        let undo = match &before {
            Some(t) => write_atomic(&file, t.as_bytes()),
            None => std::fs::remove_file(&file),
        };
        if let Err(u) = undo {
            return Err(format!("the change made the config invalid ({e}), and undoing it failed: {u}"));
        }
        return Err(format!("the change would make the config invalid, nothing written: {e}"));
    }
    Ok(())
}

fn users_mut(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, String> {
    if doc.get("users").is_none() {
        doc.insert("users", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc["users"].as_array_of_tables_mut().ok_or_else(|| "`users` must be written as [[users]] tables".to_string())
}

fn find(users: &ArrayOfTables, name: &str) -> Option<usize> {
    users.iter().position(|t| t.get("name").and_then(|v| v.as_str()) == Some(name))
}

/// Adds a user entry to the document.
pub(crate) fn add_user(
    doc: &mut DocumentMut,
    name: &str,
    phc: &str,
    read_only: bool,
    home: Option<&str>,
) -> Result<(), String> {
    check_name(name)?;
    if let Some(h) = home {
        super::check_home(h)?;
    }
    let users = users_mut(doc)?;
    if find(users, name).is_some() {
        return Err(format!("user {name:?} exists already; use `loft user passwd {name}`"));
    }
    let mut t = Table::new();
    t.insert("name", value(name));
    t.insert("password", value(phc));
    if let Some(h) = home {
        t.insert("home", value(h));
    }
    if read_only {
        t.insert("read_only", value(true));
    }
    users.push(t);
    Ok(())
}

/// Takes a user entry out of the document.
pub(crate) fn remove_user(doc: &mut DocumentMut, name: &str) -> Result<(), String> {
    let users = users_mut(doc)?;
    let i = find(users, name).ok_or_else(|| format!("no user {name:?}"))?;
    users.remove(i);
    Ok(())
}

fn report(r: Result<(), String>) -> Result<u8, Error> {
    r.map(|()| 0).map_err(Error::Usage)
}

/// `loft user …`.
pub fn run(args: UserArgs) -> Result<u8, Error> {
    match args.action {
        UserAction::Add(o) => {
            let path = resolve_path(o.config.as_deref());
            if let Err(e) = check_name(&o.name) {
                return report(Err(e));
            }
            let (pw, generated) = match read_password(o.password_stdin, &o.name) {
                Ok(p) => p,
                Err(e) => return report(Err(e)),
            };
            let phc = crate::base::password::hash_password(&pw);
            let r = edit_config(&path, |doc| add_user(doc, &o.name, &phc, o.read_only, o.home.as_deref()));
            if r.is_ok() {
                println!("added user {}{}", o.name, if o.read_only { " (read-only)" } else { "" });
                if generated {
                    println!("password for {}: {pw}   (shown once)", o.name);
                }
                println!("a running relay applies this on SIGHUP (systemctl reload loft, /etc/init.d/loft reload)");
            }
            report(r)
        }
        UserAction::Passwd(o) => {
            let path = resolve_path(o.config.as_deref());
            let (pw, generated) = match read_password(o.password_stdin, &o.name) {
                Ok(p) => p,
                Err(e) => return report(Err(e)),
            };
            let phc = crate::base::password::hash_password(&pw);
            let r = edit_config(&path, |doc| {
                let users = users_mut(doc)?;
                let i = find(users, &o.name)
                    .ok_or_else(|| format!("no user {:?}; add one with `loft user add`", o.name))?;
                let t = users.get_mut(i).expect("index from find");
                t.insert("password", value(phc.as_str()));
                if o.read_only {
                    t.insert("read_only", value(true));
                }
                if let Some(h) = &o.home {
                    super::check_home(h)?;
                    t.insert("home", value(h.as_str()));
                }
                Ok(())
            });
            if r.is_ok() {
                println!("password changed for {}", o.name);
                if generated {
                    println!("password for {}: {pw}   (shown once)", o.name);
                }
            }
            report(r)
        }
        UserAction::Del(o) => {
            let path = resolve_path(o.config.as_deref());
            // In the config, else in its users_file (an invited account).
            let r = edit_config(&path, |doc| remove_user(doc, &o.name)).or_else(|e| {
                let elsewhere = Config::load(&path)
                    .ok()
                    .is_some_and(|c| c.users_file.is_some() && c.users.iter().any(|u| u.name == o.name));
                if elsewhere {
                    edit_users(&path, |doc| remove_user(doc, &o.name))
                } else {
                    Err(e)
                }
            });
            if r.is_ok() {
                println!("removed user {} (their files are kept)", o.name);
            }
            report(r)
        }
        UserAction::List(o) => {
            let path = resolve_path(o.config.as_deref());
            match Config::load(&path) {
                Ok(cfg) => {
                    for u in &cfg.users {
                        let invited = match &u.invited_by {
                            Some(by) => format!("\tinvited by {by}"),
                            None => String::new(),
                        };
                        println!(
                            "{}\t{}\t{}{invited}",
                            u.name,
                            cfg.home_of(u).display(),
                            if u.read_only { "read-only" } else { "read-write" }
                        );
                    }
                    Ok(0)
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_keeps_comments_and_validates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("loft.toml");
        std::fs::write(&p, "# my relay\nroot = \"rooms\" # the USB disk\n").unwrap();
        let phc = crate::base::password::hash_password("pw");
        edit_config(&p, |doc| add_user(doc, "alice", &phc, true, Some("alice"))).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("# my relay") && text.contains("# the USB disk"), "{text}");
        let cfg = Config::load(&p).unwrap();
        assert_eq!(cfg.users[0].name, "alice");
        assert!(cfg.users[0].read_only);
        let e = edit_config(&p, |doc| add_user(doc, "alice", &phc, false, None)).unwrap_err();
        assert!(e.contains("exists already"));
        let e = edit_config(&p, |doc| add_user(doc, "bob", &phc, false, Some("../x"))).unwrap_err();
        assert!(e.contains(".."), "{e}");
    }

    #[test]
    fn names() {
        assert!(check_name("chat").is_ok());
        assert!(check_name("a.b-c_d").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("a:b").is_err());
    }
}
