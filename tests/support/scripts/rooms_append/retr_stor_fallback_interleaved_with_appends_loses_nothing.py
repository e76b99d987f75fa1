"""rooms_append::retr_stor_fallback_interleaved_with_appends_loses_nothing: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

fe = fernet_for("secret")
stop = threading.Event()
fallback_texts = []

def fallback():
    # The FTPChat fallback when APPE fails: RETR the whole room, add a line, STOR it whole.
    for i in range(15):
        f = connect()
        data = get(f, "room.txt") if "room.txt" in f.nlst() else b""
        text = f"fallback-{i}"
        put(f, "room.txt", data + seal(fe, "fb", text))
        f.quit()
        fallback_texts.append(f"2026-11-22 10:00:fb: {text}")

t = threading.Thread(target=fallback)
t.start()
acked, errors = writers(8, 15)
t.join()
assert not errors, errors[:3]
check_room(room_file("room.txt"), fe, acked + fallback_texts)
