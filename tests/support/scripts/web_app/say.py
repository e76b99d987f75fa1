"""One FTPChat-style message from another person: say.py ROOM TEXT."""
import sys

from prelude import connect, fernet_for, put, seal

f = connect()
put(f, f"{sys.argv[1]}.txt", seal(fernet_for("secret"), "al", sys.argv[2]), cmd="APPE")
f.quit()
print("ok")
