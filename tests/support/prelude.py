# Prelude for the Python FTP clients the tests run against a real `loft serve`.
import ftplib, io, os, sys, json, ssl, socket, time, zlib, base64, threading  # noqa: F401 (the tests' scripts, run after this prelude, use them)

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


def wait_closed(s, within, what="session"):
    """Reads from the socket `s` until the server closes it (EOF or a reset) and returns
    what came; fails if it is still open after `within` seconds."""
    s.settimeout(within)
    t = time.time()
    data = b""
    while True:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            raise AssertionError(f"{what} still open after {time.time() - t:.1f} s; got {data[-200:]!r}")
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


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


def writers(n_writers, per_writer, tls=False, size=0, password="secret", room="room.txt", ack_file=None, stop_on_error=False, tag="", pause=0.0):
    """FTPChat-style senders: every message is its own session (connect, login, APPE one
    token line, quit). Returns the plaintexts that were acknowledged with 226."""
    fernet = fernet_for(password)
    acked, errors, lock = [], [], threading.Lock()
    ack = open(ack_file, "a") if ack_file else None

    def run(w):
        for m in range(per_writer):
            text = f"{tag}w{w}-m{m}"
            if size:
                text += "-" + base64.b64encode(os.urandom(size * 3 // 4)).decode()
            line = seal(fernet, f"user{w}", text)
            try:
                f = connect(tls=tls)
                resp = put(f, room, line, cmd="APPE")
                assert resp.startswith("226"), resp
                try:
                    f.quit()
                except ftplib.all_errors:
                    pass
                if pause:
                    time.sleep(pause)
                with lock:
                    acked.append(f"2026-11-22 10:00:user{w}: {text}")
                    if ack:
                        ack.write(line.decode())
                        ack.flush()
            except Exception as e:
                with lock:
                    errors.append(repr(e))
                if stop_on_error:
                    return

    ts = [threading.Thread(target=run, args=(w,)) for w in range(n_writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return acked, errors


def check_room(data, fernet, expected=None):
    """Every line is a whole token that decrypts; no line twice; returns the plaintexts."""
    assert data.endswith(b"\n") or data == b"", f"torn last line: {data[-60:]!r}"
    texts = [unseal(fernet, l) for l in data.split(b"\n") if l]
    assert len(texts) == len(set(texts)), f"{len(texts) - len(set(texts))} duplicated messages"
    if expected is not None:
        missing = set(expected) - set(texts)
        assert not missing, f"{len(missing)} messages lost, e.g. {sorted(missing)[:3]}"
    return texts
