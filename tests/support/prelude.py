# Prelude for the Python FTP clients the tests run against a real `loft serve`.
import ftplib, io, os, sys, json, ssl, socket, time, zlib, base64, threading

HOST = "127.0.0.1"
PORT = int(os.environ["FTP_PORT"])
PASSWORD = os.environ["FTP_PASSWORD"]
ROOT = os.environ["FTP_ROOT"]
CERT = os.environ["FTP_CERT"]
VECTORS = json.load(open(os.environ["VECTORS"]))


def connect(user="chat", password=PASSWORD, tls=False, source=None, login=True, prot_p=True, verify=True):
    if tls:
        if verify:
            ctx = ssl.create_default_context(cafile=CERT)
        else:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        f = ftplib.FTP_TLS(context=ctx, timeout=30)
    else:
        f = ftplib.FTP(timeout=30)
    f.connect(HOST, PORT, source_address=(source, 0) if source else None)
    if login:
        f.login(user, password)
        if tls and prot_p:
            f.prot_p()
    return f


def put(f, name, data, cmd="STOR", rest=None):
    return f.storbinary(f"{cmd} {name}", io.BytesIO(data), rest=rest)


def get(f, name, rest=None):
    b = io.BytesIO()
    f.retrbinary(f"RETR {name}", b.write, rest=rest)
    return b.getvalue()


def expect_error(code, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ftplib.all_errors as e:
        assert str(e).startswith(code), f"expected {code}, got {e!r}"
        return str(e)
    raise AssertionError(f"expected {code}, but it succeeded")


def room_file(name):
    return open(os.path.join(ROOT, name), "rb").read() if os.path.exists(os.path.join(ROOT, name)) else b""


def fernet_for(password):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=VECTORS["salt"].encode(), iterations=VECTORS["iterations"])
    return Fernet(base64.urlsafe_b64encode(kdf.derive(password.encode())))


def seal(fernet, user, text, when="2026-11-22 10:00"):
    return fernet.encrypt(zlib.compress(f"{when}:{user}: {text}".encode())) + b"\n"


def unseal(fernet, line):
    return zlib.decompress(fernet.decrypt(line.strip())).decode()
