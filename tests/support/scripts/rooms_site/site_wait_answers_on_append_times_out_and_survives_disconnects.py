"""rooms_site::site_wait_answers_on_append_times_out_and_survives_disconnects: run by tests/it/rooms_site.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

fernet = fernet_for("secret")
g = connect()
put(g, "room.txt", seal(fernet, "u", "first"), cmd="APPE")
f = connect()
size = f.size("room.txt")
assert "WAIT" in f.sendcmd("SITE HELP")
# Times out cleanly with the size unchanged.
t = time.time()
assert f.sendcmd(f"SITE WAIT room.txt {size} 1") == f"213 {size}"
assert 0.8 < time.time() - t < 5, time.time() - t
# Answers at once when the room is already past the offset; the bare name works too.
assert f.sendcmd("SITE WAIT room 0 5") == f"213 {size}"
# Answers promptly on an append, with the new size.
line = seal(fernet, "u", "second")
def later():
    time.sleep(0.5)
    put(connect(), "room.txt", line, cmd="APPE")
threading.Thread(target=later).start()
t = time.time()
resp = f.sendcmd(f"SITE WAIT room.txt {size} 30")
took = time.time() - t
assert resp == f"213 {size + len(line)}", resp
assert took < 3, took
# A room that does not exist yet: waits, then says 0.
assert f.sendcmd("SITE WAIT new.txt 0 1") == "213 0"
# Bad arguments, and what is not a room.
expect_error("501", f.sendcmd, "SITE WAIT room.txt")
expect_error("501", f.sendcmd, "SITE WAIT room.txt -1 5")
expect_error("550", f.sendcmd, "SITE WAIT ../../etc/passwd 0 1")
# A command sent ahead of the reply to a wait is answered after it.
s = socket.create_connection((HOST, PORT))
rf = s.makefile("rb")
rf.readline()
s.sendall(b"USER chat\r\n")
assert rf.readline().startswith(b"331")
s.sendall(f"PASS {PASSWORD}\r\n".encode())
assert rf.readline().startswith(b"230")
s.sendall(f"SITE WAIT room.txt {size + len(line)} 1\r\nNOOP\r\n".encode())
replies = [rf.readline().decode().strip()[:3] for _ in range(2)]
assert replies == ["213", "200"], replies
s.close()
# A client that goes away while waiting frees its session at once: with two sessions
# open here and four allowed per address, a leaked wait would refuse the third client.
for _ in range(6):
    s = socket.create_connection((HOST, PORT))
    rf = s.makefile("rb")
    assert rf.readline().startswith(b"220")
    s.sendall(b"USER chat\r\n")
    assert rf.readline().startswith(b"331")
    s.sendall(f"PASS {PASSWORD}\r\n".encode())
    assert rf.readline().startswith(b"230")
    s.sendall(f"SITE WAIT room.txt {size + len(line)} 60\r\n".encode())
    time.sleep(0.2)
    s.close()
    time.sleep(0.3)
# The same over TLS, where a client that leaves without close_notify reads as an error.
for _ in range(3):
    t = connect(tls=True)
    t.putcmd(f"SITE WAIT room.txt {size + len(line)} 60")
    time.sleep(0.2)
    t.file.close()  # (it holds the socket open)
    t.sock.close()
    time.sleep(0.3)
h = connect()
assert h.size("room.txt") == size + len(line)
print("ok", round(took, 3))
