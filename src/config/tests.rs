//! The config's unit tests: parsing, defaults, and the place of every mistake.

use super::*;
use std::time::Duration;

fn parse(t: &str) -> Result<Config, ConfigError> {
    Config::parse(t, Path::new("/etc/loft/loft.toml"))
}

#[test]
fn minimal_config_gets_defaults() {
    let c = parse("root = \"/srv\"\n").unwrap();
    assert_eq!(c.root, PathBuf::from("/srv"));
    assert_eq!(c.tls.mode, TlsMode::Optional);
    assert_eq!(c.tls.cert, PathBuf::from("/etc/loft/loft.crt"));
    assert_eq!(c.chat.rooms, vec!["*.txt".to_string()]);
    assert_eq!(c.passive.port_range(), 50000..=50100);
}

#[test]
fn unknown_key_is_named_with_line_and_column() {
    let e = parse("root = \"/srv\"\n\n[limits]\nmax_conections = 3\n").unwrap_err();
    assert_eq!(e.position, Some((4, 1)));
    assert_eq!(e.key.as_deref(), Some("limits.max_conections"));
    assert!(e.message.contains("unknown field"), "{e}");
}

#[test]
fn wrong_type_is_named() {
    let e = parse("root = \"/srv\"\n[limits]\nmax_per_ip = \"four\"\n").unwrap_err();
    assert_eq!(e.position.map(|p| p.0), Some(3));
    assert_eq!(e.key.as_deref(), Some("limits.max_per_ip"));
}

#[test]
fn too_many_threads_point_at_the_key() {
    let e = parse("root = \"/srv\"\n[limits]\nthreads = 65\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("limits.threads"));
    assert_eq!(e.position.map(|p| p.0), Some(3));
    assert_eq!(parse("root = \"/srv\"\n").unwrap().limits.threads, 0, "one per core by default");
    assert_eq!(parse("root = \"/srv\"\n[limits]\nthreads = 1\n").unwrap().limits.threads, 1);
}

#[test]
fn bad_listen_address_points_at_the_element() {
    let e = parse("root = \"/srv\"\nlisten = [\"0.0.0.0:21\",\n  \"nonsense\"]\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("listen[1]"));
    assert_eq!(e.position, Some((3, 3)));
}

#[test]
fn session_reuse_without_tls_points_at_the_key() {
    let e = parse("root = \"/srv\"\n[tls]\nmode = \"off\"\nrequire_session_reuse = true\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("tls.require_session_reuse"));
    assert_eq!(e.position.map(|p| p.0), Some(4));
    assert!(parse("root = \"/srv\"\n[tls]\nrequire_session_reuse = true\n").is_ok());
}

#[test]
fn bad_user_password_points_at_the_user() {
    let t = "root = \"/srv\"\n[[users]]\nname = \"a\"\npassword = \"$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHQ$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI\"\n[[users]]\nname = \"b\"\npassword = \"plain text\"\n";
    let e = parse(t).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("users[1].password"));
    assert_eq!(e.position.map(|p| p.0), Some(7));
}

#[test]
fn home_cannot_climb() {
    assert!(check_home("../etc").is_err());
    assert!(check_home("alice/../../x").is_err());
    assert!(check_home("alice").is_ok());
    assert!(check_home("/alice").is_ok());
}

#[test]
fn port_range_is_checked() {
    let e = parse("root = \"/srv\"\n[passive]\nports = \"60000-50000\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("passive.ports"));
    assert_eq!(e.position.map(|p| p.0), Some(3));
}

#[test]
fn times_take_units() {
    let c = parse("root = \"/srv\"\n[limits]\nidle_timeout = \"500ms\"\ndata_timeout = \"1.5s\"\nshutdown_grace = 3\n")
        .unwrap();
    assert_eq!(c.limits.idle_timeout, Duration::from_millis(500));
    assert_eq!(c.limits.data_timeout, Duration::from_millis(1500));
    assert_eq!(c.limits.shutdown_grace, Duration::from_secs(3));
    let c = parse("root = \"/srv\"\n[limits]\nidle_timeout = \"10m\"\n").unwrap();
    assert_eq!(c.limits.idle_timeout, Duration::from_secs(600));
    assert_eq!(show_duration(Duration::from_millis(500)), "500 ms");
    assert_eq!(show_duration(Duration::from_secs(60)), "60 s");
    let e = parse("root = \"/srv\"\n[limits]\nidle_timeout = \"5 parsecs\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("limits.idle_timeout"));
    assert_eq!(e.position.map(|p| p.0), Some(3));
    assert!(e.message.contains("\"500ms\""), "{}", e.message);
    let e = parse("root = \"/srv\"\n[limits]\ndata_timeout = \"0ms\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("limits.data_timeout"));
}

#[test]
fn rotation_settings_are_checked() {
    let c = parse("root = \"/srv\"\n").unwrap();
    assert_eq!(
        (c.chat.rotate_bytes, c.chat.keep_bytes, c.chat.keep_archives, c.chat.keep_days),
        (262144, 65536, 16, 7)
    );
    let e = parse("root = \"/srv\"\n[chat]\nrotate_bytes = 500\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("chat.rotate_bytes"));
    let e = parse("root = \"/srv\"\n[chat]\nrotate_bytes = 4096\nkeep_bytes = 4096\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("chat.keep_bytes"));
    assert!(parse("root = \"/srv\"\n[chat]\nrotate_bytes = 0\nkeep_bytes = 999999\n").is_ok());
    assert!(parse("root = \"/srv\"\n[chat]\nrotate_bytes = 4096\nkeep_bytes = 1024\n").is_ok());
}

/// `loft init`'s template shows every setting with its default, commented out: each one,
/// uncommented alone, must leave the config exactly as it was. So the template cannot
/// drift from the defaults of [`schema`](super::schema) (they are the only ones).
#[test]
fn the_init_template_shows_the_defaults() {
    // Examples rather than defaults: an address to announce, the level that the default
    // filter already has (`None` there, "info" here), and sizes measured from the disk.
    const EXAMPLES: [&str; 4] = ["public_host", "level", "quota_bytes", "disk_reserve"];
    let path = Path::new("/etc/loft/loft.toml");
    let text = super::init::template(Path::new("/srv/loft"), &["0.0.0.0:21".into()], &[], &[]);
    let with_user =
        format!("{text}\n[[users]]\nname = \"chat\"\npassword = \"{}\"\n", crate::base::password::hash_password("x"));
    let plain = Config::parse(&with_user, path).unwrap();
    let mut checked = 0;
    for line in with_user.lines().filter(|l| l.starts_with("# ")) {
        let Some((key, _)) = line[2..].split_once(" = ") else { continue };
        if !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        let edited = with_user.replacen(line, &line[2..], 1);
        let cfg = Config::parse(&edited, path).unwrap_or_else(|e| panic!("uncommenting {line:?}: {e}"));
        if EXAMPLES.contains(&key) {
            continue;
        }
        assert_eq!(cfg, plain, "the template says {line:?}, the default differs");
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} settings in the template");
}

#[cfg(feature = "cluster")]
#[test]
fn cluster_section_is_checked_key_by_key() {
    let base = "root = \"/srv\"\n[cluster]\n";
    let c = parse(&format!("{base}servers = [\"nats://10.0.0.2:4222\"]\n")).unwrap();
    let cl = c.cluster.unwrap();
    assert_eq!((cl.name.as_str(), cl.replicas, cl.timeout), ("loft", 3, Duration::from_secs(10)));
    assert_eq!((cl.max_bytes, cl.checkpoint_every, cl.catch_up), (0, Duration::from_secs(60), Duration::from_secs(30)));
    let c = parse(&format!(
        "{base}servers = [\"nats://a:4222\"]\nmax_bytes = 1073741824\ncheckpoint_every = \"5m\"\ncatch_up = 0\n"
    ))
    .unwrap();
    let cl = c.cluster.unwrap();
    assert_eq!((cl.max_bytes, cl.checkpoint_every, cl.catch_up), (1 << 30, Duration::from_secs(300), Duration::ZERO));
    for (body, key, line, says) in [
        ("servers = []\n", "cluster.servers", 3, "at least one server"),
        ("servers = [\"nats://a:4222\",\n \"http://b:80\"]\n", "cluster.servers[1]", 4, "not a NATS server address"),
        ("servers = [\"nats://a\"]\n", "cluster.servers[0]", 3, "nats://HOST:PORT"),
        ("servers = [\"nats://a:4222\"]\nname = \"my.loft\"\n", "cluster.name", 4, "letters, digits"),
        ("servers = [\"nats://a:4222\"]\nreplicas = 2\n", "cluster.replicas", 4, "1, 3 or 5"),
        ("servers = [\"nats://a:4222\"]\nuser = \"u\"\n", "cluster.user", 4, "needs its password"),
        ("servers = [\"nats://a:4222\"]\ntls_key = \"/etc/hosts\"\n", "cluster.tls_key", 4, "go together"),
        (
            "servers = [\"nats://a:4222\"]\nuser = \"u\"\npassword = \"p\"\ntoken = \"t\"\n",
            "cluster.token",
            6,
            "one way",
        ),
        (
            "servers = [\"nats://a:4222\"]\ntls_ca = \"/nonexistent/ca.pem\"\n",
            "cluster.tls_ca",
            4,
            "/nonexistent/ca.pem",
        ),
        ("servers = [\"nats://a:4222\"]\ntimeout = 0\n", "cluster.timeout", 4, "above 0"),
        ("servers = [\"nats://a:4222\"]\nmax_bytes = 1000000\n", "cluster.max_bytes", 4, "at least 67108864"),
        (
            "servers = [\"nats://a:4222\"]\ncheckpoint_every = \"2h\"\n",
            "cluster.checkpoint_every",
            4,
            "at most an hour",
        ),
        ("servers = [\"nats://a:4222\"]\ncatch_up = \"2h\"\n", "cluster.catch_up", 4, "at most an hour"),
        ("servers = [\"nats://a:4222\"]\nrepl = 3\n", "cluster.repl", 4, "unknown field"),
    ] {
        let e = parse(&format!("{base}{body}")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some(key), "{body}: {e}");
        assert!(e.message.contains(says), "{body}: {e}");
        assert_eq!(e.position.map(|p| p.0), Some(line), "{body}: {e}");
    }
}

#[cfg(not(feature = "cluster"))]
#[test]
fn a_build_without_cluster_mode_refuses_the_section_by_name() {
    let e = parse("root = \"/srv\"\n[cluster]\nservers = [\"nats://a:4222\"]\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("cluster"));
    assert_eq!(e.position.map(|p| p.0), Some(2));
    assert!(e.message.contains("no cluster mode"), "{e}");
}
