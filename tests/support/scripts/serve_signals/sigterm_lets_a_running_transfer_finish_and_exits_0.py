"""serve_signals::sigterm_lets_a_running_transfer_finish_and_exits_0: run by tests/it/serve_signals.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("STOR inflight.bin")
conn.sendall(b"y" * 1000)
open(os.path.join(ROOT, "..", "started"), "w").close()
for i in range(10):
    time.sleep(0.1)
    conn.sendall(b"y" * 1000)
conn.close()
print(f.voidresp())
