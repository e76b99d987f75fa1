"""Makes an empty room.txt (APPE of nothing creates it, as on any FTP server)."""
from prelude import *  # noqa: F403

put(connect(), "room.txt", b"", cmd="APPE")
