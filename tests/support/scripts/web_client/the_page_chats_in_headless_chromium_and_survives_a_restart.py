"""web_client::the_page_chats_in_headless_chromium_and_survives_a_restart: run by tests/it/web_client.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect()
f.voidcmd("TYPE I")
put(f, "lobby.txt", seal(fernet_for("secret"), "ftpchat", "hi from FTPChat", when=time.strftime("%Y-%m-%d %H:%M")), cmd="APPE")
f.quit()
