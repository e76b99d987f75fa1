"""An FTPChat session over FTPS (Python's ftplib, as FTPChat uses it) that trusts the
relay's CA alone, with the host name checked, and says which kind of key the relay's
certificate has on the control connection and on a data connection:
key_type.py CA_FILE ROOM.  Prints "control KIND", "data KIND", then "ok"."""
import sys

from cryptography import x509

from prelude import HOST, PASSWORD, PORT, fernet_for, ftplib, put, seal, ssl


def kind(sock):
    cert = x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))
    return type(cert.public_key()).__name__.removeprefix("_").replace("PublicKey", "")


ca, room = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)  # the CA only: the certificate file is not trusted
f = ftplib.FTP_TLS(context=ctx, timeout=30)
f.connect(HOST, PORT)
f.auth()
print("control", kind(f.sock))
f.login("chat", PASSWORD)
f.prot_p()
token = seal(fernet_for("secret"), "al", "over an Ed25519 handshake?")
put(f, f"{room}.txt", token, cmd="APPE")
conn = f.transfercmd(f"RETR {room}.txt")
print("data", kind(conn))
got = b""
while chunk := conn.recv(65536):
    got += chunk
conn.unwrap()
conn.close()
f.voidresp()
assert got == token, (got, token)
f.quit()
print("ok")
