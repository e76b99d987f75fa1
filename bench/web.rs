//! The web client's side of the load: `cargo bench --bench web`.
//!
//! A sibling of `cargo bench --bench load` (FTPChat over FTP and FTPS against vsftpd): the
//! same relay (release build) on loopback, driven through its HTTP API the way the chat
//! page drives it. N senders, each on one kept-alive HTTPS connection as a browser tab is,
//! `POST /api/append` one FTPChat token per message; M followers follow the room with the
//! long-poll (`GET /api/log?…&wait=25`). Prints messages/s, append latency, send → receive
//! latency at the followers (p50/p99), and the server's CPU time per message (user + sys
//! from /proc), with an FTP `SITE WAIT` follower in the same run for comparison. A command
//! that prints figures, not a test; the figures in docs/benchmarks.md come from it.
//!
//! Settings (`LOAD_NAME=value`): `senders` (8), `followers` (4), `messages` (1000).

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

const LOFT: &str = env!("CARGO_BIN_EXE_loft");
const PASSWORD: &str = "bench-password";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(format!("LOAD_{}", name.to_uppercase())).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// user + sys seconds of a process (the relay is one process).
fn cpu_secs(pid: u32) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// One kept-alive HTTPS connection speaking just enough HTTP/1.1.
struct Http {
    io: BufReader<TlsStream<TcpStream>>,
    session: String,
}

impl Http {
    async fn connect(port: u16, tls: &TlsConnector) -> Http {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let io = BufReader::new(tls.connect(name, tcp).await.unwrap());
        Http { io, session: String::new() }
    }

    async fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, String) {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            self.session,
            body.len()
        );
        self.io.get_mut().write_all(req.as_bytes()).await.unwrap();
        let mut line = String::new();
        self.io.read_line(&mut line).await.unwrap();
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = 0;
        loop {
            line.clear();
            self.io.read_line(&mut line).await.unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut buf = vec![0; len];
        self.io.read_exact(&mut buf).await.unwrap();
        (status, String::from_utf8_lossy(&buf).into_owned())
    }

    async fn login(&mut self) {
        let (status, body) =
            self.call("POST", "/api/login", &format!("{{\"user\":\"chat\",\"password\":\"{PASSWORD}\"}}")).await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        self.session = v["session"].as_str().unwrap().to_string();
    }
}

/// An FTP follower that waits with `SITE WAIT`, then reads with REST + RETR (plain FTP).
fn ftp_follower(port: u16, total: usize, sent: Arc<Mutex<HashMap<String, Instant>>>) -> Vec<f64> {
    use suppaftp::FtpStream;
    let mut ftp = FtpStream::connect(("127.0.0.1", port)).unwrap();
    ftp.login("chat", PASSWORD).unwrap();
    ftp.transfer_type(suppaftp::types::FileType::Binary).unwrap();
    let (mut offset, mut got, mut lat) = (0u64, 0, Vec::new());
    while got < total {
        let r = ftp.custom_command(format!("SITE WAIT room.txt {offset} 30"), &[suppaftp::Status::File]).unwrap();
        let size: u64 =
            String::from_utf8_lossy(&r.body).trim().rsplit(' ').next().unwrap_or("0").trim().parse().unwrap_or(0);
        if size <= offset {
            continue;
        }
        ftp.resume_transfer(offset as usize).unwrap();
        let data = ftp.retr_as_buffer("room.txt").unwrap().into_inner();
        let now = Instant::now();
        for l in String::from_utf8_lossy(&data).lines() {
            if let Some(t) = sent.lock().unwrap().get(l) {
                lat.push(now.duration_since(*t).as_secs_f64() * 1000.0);
                got += 1;
            }
        }
        offset += data.len() as u64;
    }
    let _ = ftp.quit();
    lat
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (senders, followers, messages) = (setting("senders", 8), setting("followers", 4), setting("messages", 1000));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("loft.toml");
    let mut init = Command::new(LOFT)
        .args(["init", "--root", dir.path().join("root").to_str().unwrap(), "-c", cfg.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--password-stdin", "--tls-name", "127.0.0.1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    init.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(init.wait().unwrap().success());
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&cfg).unwrap().parse().unwrap();
    doc["limits"]["max_connections"] = toml_edit::value(1024);
    doc["limits"]["max_per_ip"] = toml_edit::value(1024);
    doc["chat"]["rotate_bytes"] = toml_edit::value(0);
    doc["chat"]["max_messages_per_minute"] = toml_edit::value(0);
    doc["chat"]["max_bytes_per_minute"] = toml_edit::value(0);
    doc["tls"]["mode"] = toml_edit::value("optional");
    std::fs::write(&cfg, doc.to_string()).unwrap();
    let (ftp_port, web_port) = (free_port(), free_port());
    let mut relay = Command::new(LOFT)
        .args(["serve", "-c", cfg.to_str().unwrap(), "--listen", &format!("127.0.0.1:{ftp_port}")])
        .args(["--web-listen", &format!("127.0.0.1:{web_port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", web_port)).is_err() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(dir.path().join("loft.crt")).unwrap();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = TlsConnector::from(Arc::new(config));

    let key = loft::client::codec::RoomKey::derive("bench room key");
    let tokens: Arc<Vec<String>> =
        Arc::new((0..messages).map(|i| key.seal_message("bench", &format!("web {i}"))).collect());
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    // A warm-up message makes the room (and runs the login KDF once).
    let mut warm = Http::connect(web_port, &tls).await;
    warm.login().await;
    let first = key.seal_message("bench", "warm-up");
    assert_eq!(warm.call("POST", "/api/append?room=room", &format!("{first}\n")).await.0, 200);
    let start_at: u64 =
        serde_json::from_str::<serde_json::Value>(&warm.call("GET", "/api/log?room=room&from=0", "").await.1).unwrap()
            ["next"]
            .as_u64()
            .unwrap();

    let mut follow = Vec::new();
    for _ in 0..followers {
        let (tls, sent) = (tls.clone(), sent.clone());
        follow.push(tokio::spawn(async move {
            let mut h = Http::connect(web_port, &tls).await;
            h.login().await;
            let (mut from, mut got, mut lat) = (start_at, 0, Vec::new());
            while got < messages {
                let (status, body) = h.call("GET", &format!("/api/log?room=room&from={from}&wait=25"), "").await;
                assert_eq!(status, 200, "{body}");
                let now = Instant::now();
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                for l in v["lines"].as_array().unwrap() {
                    if let Some(t) = sent.lock().unwrap().get(l.as_str().unwrap()) {
                        lat.push(now.duration_since(*t).as_secs_f64() * 1000.0);
                        got += 1;
                    }
                }
                from = v["next"].as_u64().unwrap();
            }
            lat
        }));
    }
    let ftp = {
        let sent = sent.clone();
        std::thread::spawn(move || ftp_follower(ftp_port, messages, sent))
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let cpu0 = cpu_secs(relay.id());
    let t0 = Instant::now();
    let mut send = Vec::new();
    for s in 0..senders {
        let (tls, sent, tokens) = (tls.clone(), sent.clone(), tokens.clone());
        send.push(tokio::spawn(async move {
            let mut h = Http::connect(web_port, &tls).await;
            h.login().await;
            let mut lat = Vec::new();
            for tok in tokens.iter().skip(s).step_by(senders) {
                let t = Instant::now();
                sent.lock().unwrap().insert(tok.clone(), t);
                let (status, body) = h.call("POST", "/api/append?room=room", &format!("{tok}\n")).await;
                assert_eq!(status, 200, "{body}");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut append_ms = Vec::new();
    for s in send {
        append_ms.extend(s.await.unwrap());
    }
    let sending = t0.elapsed().as_secs_f64();
    let mut deliver_ms = Vec::new();
    for f in follow {
        deliver_ms.extend(f.await.unwrap());
    }
    let cpu = cpu_secs(relay.id()) - cpu0;
    let mut ftp_ms = ftp.join().unwrap();
    let _ = relay.kill();
    let _ = relay.wait();

    println!(
        "Loft web API, loopback, {} cores: {senders} HTTPS senders (kept-alive connections), {followers} long-poll followers, \
         1 FTP SITE WAIT follower, {messages} messages",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    println!("  messages/s (web appends)          {:>9.0}", messages as f64 / sending);
    println!(
        "  append latency ms p50 / p99       {:>9.2} / {:.2}",
        percentile(&mut append_ms, 0.5),
        percentile(&mut append_ms, 0.99)
    );
    println!(
        "  send → web follower ms p50 / p99  {:>9.2} / {:.2}   ({} deliveries)",
        percentile(&mut deliver_ms, 0.5),
        percentile(&mut deliver_ms, 0.99),
        deliver_ms.len()
    );
    println!(
        "  send → FTP SITE WAIT follower p50 / p99 {:>5.2} / {:.2}",
        percentile(&mut ftp_ms, 0.5),
        percentile(&mut ftp_ms, 0.99)
    );
    println!(
        "  server CPU µs per message         {:>9.0}   (user+sys, senders and followers together)",
        cpu / messages as f64 * 1e6
    );
}
