"""Fills a room as a busy group would have: N messages from a few people, numbered in the
order they were sent, appended over FTP as FTPChat does (many at a time here, to be quick),
so that the room rotates into archives. Run by tests/it/web_app.rs: fill.py ROOM N."""
import sys

from prelude import connect, fernet_for, put, seal

room, n = sys.argv[1], int(sys.argv[2])
fer = fernet_for("secret")
people = ["ana", "bo", "cyrus", "dana", "émile"]
f = connect()
batch = []
for i in range(1, n + 1):
    day = "2026-11-%02d" % (1 + i * 28 // (n + 1))
    who = people[i % len(people)]
    batch.append(seal(fer, who, f"message #{i:04d} from {who}" + " la" * (i % 9), when=f"{day} {i % 24:02d}:{i % 60:02d}"))
    if len(batch) == 50 or i == n:
        put(f, f"{room}.txt", b"".join(batch), cmd="APPE")
        batch = []
f.quit()
print("ok")
