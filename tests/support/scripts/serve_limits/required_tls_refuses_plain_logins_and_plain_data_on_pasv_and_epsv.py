"""serve_limits::required_tls_refuses_plain_logins_and_plain_data_on_pasv_and_epsv: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

# A plain login is refused.
f = connect(login=False)
expect_error("5", f.login, "chat", PASSWORD)
f.close()
# TLS on the control channel, but no PROT P: data connections are refused, PASV and EPSV.
f = connect(tls=True, prot_p=False)
expect_error("5", f.sendcmd, "PASV")
expect_error("5", f.sendcmd, "EPSV")
# With PROT P all is well.
f.prot_p()
put(f, "secure.bin", b"s")
assert get(f, "secure.bin") == b"s"
f.quit()
