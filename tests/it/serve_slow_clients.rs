//! Slow and silent clients: a data connection that never sends (or trickles a byte at a
//! time), a download nobody reads, a TLS handshake that never comes. `limits.data_timeout`
//! aborts such a transfer with `426`, the room is left as it was (no partial line), the
//! session goes back to the idle timeout, and everybody else is served meanwhile.

use crate::common;
use common::{set_key, Relay, Setup};

/// Short timeouts, so the tests see them fire: 1.2 s on data connections, 2 s idle.
fn impatient_relay() -> Relay {
    Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "data_timeout", "\"1200ms\"");
        set_key(&t, "limits", "idle_timeout", "\"2s\"")
    }))
}

/// Python helpers: a valid token line from the shared vectors, and an APPE by another
/// client while the slow one hangs.
const HELPERS: &str = r#"
TOKENS = [t["token"].encode() + b"\n" for t in VECTORS["tokens"]]

def others_append(line):
    g = connect()
    assert put(g, "room.txt", line, cmd="APPE").startswith("226")
    g.quit()

def expect_reply(f, code, within):
    t = time.time()
    f.sock.settimeout(within)
    try:
        r = f.getresp()
    except ftplib.all_errors as e:
        r = str(e)
    took = time.time() - t
    assert r.startswith(code), f"expected {code}, got {r!r} after {took:.1f} s"
    return r

def expect_closed(f, within):
    """The server ends the session: a 421 (timeout) then EOF, or just EOF."""
    return wait_closed(f.sock, within)
"#;

#[test]
fn a_silent_upload_is_aborted_with_426_and_the_room_keeps_no_partial_line() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect()
put(f, "room.txt", TOKENS[0], cmd="APPE")
before = room_file("room.txt")
f.voidcmd("TYPE I")
conn = f.transfercmd("APPE room.txt")
conn.sendall(TOKENS[1][:40])          # half a line, then silence
# Meanwhile another client logs in and appends: not held up by the silent one.
others_append(TOKENS[2])
assert room_file("room.txt") == before + TOKENS[2]
r = expect_reply(f, "426", 15)
assert "timed out" in r, r
conn.close()
assert room_file("room.txt") == before + TOKENS[2]
# The session itself is still usable after the abort...
f.voidcmd("NOOP")
# ...and, left silent, is closed by the idle timeout.
expect_closed(f, 15)
"#
    ));
}

#[test]
fn a_byte_a_second_upload_is_aborted_too() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("APPE room.txt")
t = time.time()
line = TOKENS[0]
sent = 0
try:
    # Two bytes a second: the connection is never silent, but moves almost nothing.
    while sent < len(line) and time.time() - t < 20:
        conn.sendall(line[sent:sent + 1])
        sent += 1
        time.sleep(0.5)
except OSError:
    pass
assert sent < len(line), "the trickle was never cut off"
r = expect_reply(f, "426", 15)
conn.close()
others_append(TOKENS[1])
assert room_file("room.txt") == TOKENS[1], room_file("room.txt")
f.quit()
"#
    ));
}

#[test]
fn a_download_nobody_reads_is_aborted() {
    let r = impatient_relay();
    // Bigger than what the loopback socket buffers can hold, so the server's writes block.
    std::fs::create_dir_all(&r.root).unwrap();
    std::fs::write(r.root.join("big.bin"), vec![7u8; 64 << 20]).unwrap();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR big.bin")
conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
# Never read. Another client is served meanwhile.
others_append(TOKENS[0])
expect_reply(f, "426", 20)
conn.close()
f.voidcmd("NOOP")
f.quit()
"#
    ));
}

#[test]
fn a_data_connection_without_a_command_does_not_hold_the_session() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect()
host, port = ftplib.parse227(f.sendcmd("PASV"))
conn = socket.create_connection((host, port), timeout=10)
# Connected to the data port; no RETR, no STOR, nothing on either connection.
others_append(TOKENS[0])
expect_closed(f, 15)
conn.close()
"#
    ));
}

#[test]
fn pasv_without_connecting_does_not_hold_the_session() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect()
f.sendcmd("PASV")
others_append(TOKENS[0])
expect_closed(f, 15)
"#
    ));
}

#[test]
fn a_tls_data_connection_that_never_handshakes_is_aborted() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
f = connect(tls=True)
f.voidcmd("TYPE I")
host, port = ftplib.parse227(f.sendcmd("PASV"))
conn = socket.create_connection((host, port), timeout=10)   # plain TCP: no ClientHello
f.putcmd("LIST")
others_append(TOKENS[0])
t = time.time()
f.sock.settimeout(15)
replies = []
try:
    while True:
        r = f.getresp()
        replies.append(r)
except ftplib.all_errors as e:
    replies.append(str(e))
assert any(x.startswith("426") for x in replies), replies
conn.close()
f.voidcmd("NOOP")
f.quit()
"#
    ));
}

#[test]
fn auth_tls_without_a_handshake_does_not_hold_the_session() {
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
s = socket.create_connection((HOST, PORT), timeout=10)
fs = s.makefile("rb")
assert fs.readline().startswith(b"220")
s.sendall(b"AUTH TLS\r\n")
assert fs.readline().startswith(b"234")
# No ClientHello, ever.
others_append(TOKENS[0])
wait_closed(s, 15)
"#
    ));
}

#[test]
fn a_client_that_never_reads_its_replies_does_not_hold_its_slot() {
    // One session per address: a stuck session would refuse the next from its address.
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "max_per_ip", "1");
        set_key(&t, "limits", "idle_timeout", "3")
    }));
    r.python_ok(&format!(
        r#"{HELPERS}
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.5", 0))
s.connect((HOST, PORT))
s.settimeout(3)
try:
    # Replies pile up unread until the relay's writes block; then our sends block too.
    s.sendall(b"NOOP\r\n" * 1_000_000)
except socket.timeout:
    pass
# Another address is served meanwhile.
others_append(TOKENS[0])
# Within the idle timeout and a margin, the stuck session is gone and its slot free.
t = time.time()
while True:
    g = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.5", 0))
    line = g.makefile("rb").readline()
    g.close()
    if line.startswith(b"220"):
        break
    assert line.startswith(b"421"), line
    assert time.time() - t < 20, "the session that never reads still holds its slot"
    time.sleep(0.5)
s.close()
"#
    ));
}

#[test]
fn a_login_that_never_completes_is_cut_off_however_busy() {
    // Before login, the session has min(idle timeout, 30 s) in all, not per command: a
    // client that keeps sending NOOPs without logging in is closed after 3 s here, while a
    // logged-in client doing the same stays.
    let r = impatient_relay();
    r.python_ok(&format!(
        r#"{HELPERS}
s = socket.create_connection((HOST, PORT), timeout=10)
fs = s.makefile("rb")
assert fs.readline().startswith(b"220")
g = connect()
t = time.time()
closed = None
while time.time() - t < 8:
    try:
        s.sendall(b"NOOP\r\n")
        line = fs.readline()
    except (BrokenPipeError, ConnectionResetError):
        line = b""
    if not line or line.startswith(b"421"):
        closed = time.time() - t
        break
    g.voidcmd("NOOP")
    time.sleep(1)
assert closed is not None and closed < 6, closed
g.voidcmd("NOOP")  # the logged-in one, as busy, is still there
others_append(TOKENS[0])
print("closed after", round(closed, 1))
"#
    ));
}
