"""serve_signals::sighup_reloads_users_without_dropping_sessions: run by tests/it/serve_signals.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect()
put(f, "before.bin", b"1")
open(os.path.join(ROOT, "..", "ready"), "w").close()
while not os.path.exists(os.path.join(ROOT, "..", "reloaded")):
    time.sleep(0.05)
put(f, "after.bin", b"2")       # the same session survives the reload
f.quit()
g = connect(user="newbie", password="fresh")
g.quit()
