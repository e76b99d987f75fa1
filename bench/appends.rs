//! Room append benchmark: `cargo bench --bench appends`.
//!
//! Plays FTPChat senders against a real `loft serve` on loopback: every message is a full
//! plain-FTP session (connect, USER/PASS, TYPE I, EPSV, APPE one token line, QUIT), with
//! 1, 8 and 32 writers at once, for each `chat.sync` policy. Prints appends per second,
//! the p50 and p99 session latency, and fsyncs per message (the relay's own count, logged
//! when it stops). A command that prints figures, not a test: nothing here can fail.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::TcpStream;

const LOFT: &str = env!("CARGO_BIN_EXE_loft");
const PASSWORD: &str = "bench-password";

struct Relay {
    _dir: tempfile::TempDir,
    child: std::process::Child,
    port: u16,
    log: std::sync::mpsc::Receiver<String>,
}

fn start(sync: &str) -> Relay {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("loft.toml");
    let mut init = Command::new(LOFT)
        .args(["init", "--root", dir.path().join("root").to_str().unwrap(), "-c", cfg.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    init.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(init.wait().unwrap().success());
    let text = std::fs::read_to_string(&cfg).unwrap();
    let pid = std::process::id() % 300;
    let text = text
        .replace("ports = \"50000-50100\"", &format!("ports = \"{}-{}\"", 30000 + pid * 100, 30099 + pid * 100))
        .replace("# max_connections = 64 ", "max_connections = 256 ")
        .replace("# max_per_ip = 16 ", "max_per_ip = 256 ")
        .replace("# sync = \"batch\" ", &format!("sync = \"{sync}\" "))
        // One user sends everything here: the per-user rate limits are off.
        .replace("# max_messages_per_minute = 120", "max_messages_per_minute = 0")
        .replace("# max_bytes_per_minute = 524288", "max_bytes_per_minute = 0");
    std::fs::write(&cfg, text).unwrap();
    let mut child = Command::new(LOFT)
        .args(["serve", "-c", cfg.to_str().unwrap(), "--web-listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn,loft::conn=info,loft::relay=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let port = loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("relay start");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    Relay { _dir: dir, child, port, log: rx }
}

impl Relay {
    /// SIGTERM, then the fsync count from the "stopped" line.
    fn stop(mut self) -> u64 {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let mut fsyncs = 0;
        while let Ok(line) = self.log.recv_timeout(Duration::from_secs(15)) {
            if line.contains("WARN") || line.contains("ERROR") {
                eprintln!("relay: {line}");
            }
            if let Some(rest) = line.split("fsyncs=").nth(1) {
                fsyncs = rest.split_whitespace().next().unwrap_or("0").parse().unwrap_or(0);
            }
        }
        let _ = self.child.wait();
        fsyncs
    }
}

async fn reply(r: &mut TokioBufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<String> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        if line.len() >= 4 && line.as_bytes()[3] == b' ' {
            return Ok(line);
        }
    }
}

async fn cmd(
    r: &mut TokioBufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    c: &str,
    want: char,
) -> std::io::Result<String> {
    w.write_all(format!("{c}\r\n").as_bytes()).await?;
    let rep = reply(r).await?;
    if !rep.starts_with(want) {
        return Err(std::io::Error::other(format!("{c}: {rep}")));
    }
    Ok(rep)
}

/// One FTPChat message: a whole session. Returns its duration.
async fn send_one(port: u16, line: &[u8]) -> std::io::Result<Duration> {
    let t = Instant::now();
    let s = TcpStream::connect(("127.0.0.1", port)).await?;
    s.set_nodelay(true)?;
    let (r, mut w) = s.into_split();
    let mut r = TokioBufReader::new(r);
    reply(&mut r).await?;
    cmd(&mut r, &mut w, "USER chat", '3').await?;
    cmd(&mut r, &mut w, &format!("PASS {PASSWORD}"), '2').await?;
    cmd(&mut r, &mut w, "TYPE I", '2').await?;
    let epsv = cmd(&mut r, &mut w, "EPSV", '2').await?;
    let dport: u16 = epsv.split("|||").nth(1).and_then(|x| x.split('|').next()).and_then(|p| p.parse().ok()).unwrap();
    let mut data = TcpStream::connect(("127.0.0.1", dport)).await?;
    w.write_all(b"APPE room.txt\r\n").await?;
    let rep = reply(&mut r).await?;
    if !rep.starts_with('1') {
        return Err(std::io::Error::other(format!("APPE: {rep}")));
    }
    data.write_all(line).await?;
    data.shutdown().await?;
    drop(data);
    let done = reply(&mut r).await?;
    if !done.starts_with("226") {
        return Err(std::io::Error::other(format!("APPE: {done}")));
    }
    let _ = cmd(&mut r, &mut w, "QUIT", '2').await;
    Ok(t.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let key = fernet::Fernet::new(&fernet::Fernet::generate_key()).unwrap();
    println!("Loft room appends, every message its own plain-FTP session, loopback");
    println!(
        "{:<7} {:>7} {:>9} {:>10} {:>9} {:>9} {:>12}",
        "sync", "writers", "messages", "appends/s", "p50 ms", "p99 ms", "fsyncs/msg"
    );
    let only = std::env::var("LOFT_BENCH_ONLY").ok();
    for sync in ["always", "batch", "never"] {
        for writers in [1usize, 8, 32] {
            if only.as_deref().is_some_and(|o| o != format!("{sync}/{writers}")) {
                continue;
            }
            let per_writer = if writers == 1 { 200 } else { 1600 / writers };
            let relay = start(sync);
            let port = relay.port;
            // Warm the login cache (the first login runs the KDF).
            send_one(port, format!("{}\n", key.encrypt(b"warm-up")).as_bytes()).await.unwrap();
            let t = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..writers {
                let key = key.clone();
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    for m in 0..per_writer {
                        let line = format!("{}\n", key.encrypt(format!("w{w} m{m}").as_bytes()));
                        match send_one(port, line.as_bytes()).await {
                            Ok(d) => lat.push(d),
                            Err(e) => eprintln!("append failed: {e}"),
                        }
                    }
                    lat
                }));
            }
            let mut lat = Vec::new();
            for t in tasks {
                lat.extend(t.await.unwrap());
            }
            let secs = t.elapsed().as_secs_f64();
            lat.sort();
            let n = lat.len();
            let fsyncs = relay.stop();
            println!(
                "{:<7} {:>7} {:>9} {:>10.0} {:>9.1} {:>9.1} {:>12.2}",
                sync,
                writers,
                n,
                n as f64 / secs,
                pct(&lat, 0.5),
                pct(&lat, 0.99),
                fsyncs as f64 / (n + 1) as f64
            );
        }
    }
}
