"""web_client: the chat page in WebKit, Safari's engine (half the phones are iPhones).

Debian's MiniBrowser (WebKitGTK) driven over WebDriver by WebKitWebDriver, under Xvfb, in
a phone-sized window (asked for 360x740; MiniBrowser's narrowest is about 450 px wide,
which is still the page's phone layout, with the rooms in a drawer): log in, open the room, send a message; an FTPChat-style client
(ftplib, Python's cryptography) appends one, and the page shows it; the page's message
on disk opens with the room key as FTPChat opens it. argv[1]: where to write a screenshot.
Run by tests/it/web_client.rs, which checks the tools are there.
"""
import base64
import glob
import subprocess
import urllib.error
import urllib.request

from prelude import *  # noqa: F403

WEB_PORT = int(os.environ["WEB_PORT"])
SHOT = sys.argv[1]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
MINIBROWSER = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))[-1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_display():
    for n in range(90, 400):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise SystemExit("no free X display number")


def wait(what, check, within=60, starting=False):
    """Polls `check` until it answers something true; `starting`: a process that is not
    listening yet (a refused connection) is waited for too."""
    t = time.time()
    while time.time() - t < within:
        try:
            got = check()
        except (urllib.error.URLError, ConnectionError):
            if not starting:
                raise
            got = None
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {within} s")


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.sid = None

    def call(self, method, path, body=None):
        url = self.base + (f"/session/{self.sid}" if self.sid else "") + path
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            return json.load(urllib.request.urlopen(req, timeout=120))["value"]
        except urllib.error.HTTPError as e:
            raise AssertionError(f"WebDriver {method} {path}: {e.read().decode(errors='replace')[:500]}")

    def js(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def element(self, css):
        return self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        self.call("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css):
        self.call("POST", f"/element/{self.element(css)}/click", {})

    def state(self):
        return self.js("return document.getElementById('status').dataset.state + ' ' + document.getElementById('status').textContent")


display = free_display()
xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
port = free_port()
driver_proc = None
try:
    # Generous limits: on a machine busy with a build, WebKit takes its time to start.
    wait("Xvfb", lambda: os.path.exists(f"/tmp/.X11-unix/X{display}"), 60)
    driver_proc = subprocess.Popen(["WebKitWebDriver", f"--port={port}"], env=dict(os.environ, DISPLAY=f":{display}"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = Driver(port)
    wait("WebKitWebDriver", lambda: d.call("GET", "/status").get("ready"), 60, starting=True)
    caps = {"capabilities": {"alwaysMatch": {
        "browserName": "MiniBrowser",
        # The relay's own self-signed certificate, as a person clicks through it.
        "acceptInsecureCerts": True,
        "webkitgtk:browserOptions": {"binary": MINIBROWSER, "args": ["--automation"]},
    }}}
    d.sid = d.call("POST", "/session", caps)["sessionId"]
    d.call("POST", "/window/rect", {"width": 360, "height": 740})
    d.call("POST", "/url", {"url": f"https://127.0.0.1:{WEB_PORT}/"})
    # The button is enabled once the page's script runs (a click before would do nothing).
    wait("the login form", lambda: d.js("const b = document.getElementById('login-submit'); return !!b && !b.disabled"))
    d.type("#login-user", "chat")
    d.type("#login-password", PASSWORD)
    d.type("#login-name", "iphone")
    d.click("#login-submit")
    wait("the chat view", lambda: d.js("return !document.getElementById('chat-view').hidden"))
    d.type("#room-input", "lobby")
    d.type("#room-key", "secret")
    d.click("#room-open")
    wait("the room live", lambda: d.state().startswith("live"), 90)
    d.type("#composer", "hello from WebKit \u00e9\u00e8 \u0645\u0631\u062d\u0628\u0627")
    d.type("#composer", "\ue007")  # Enter sends
    own = "return [...document.querySelectorAll('#messages .msg.own .text')].map((e) => e.textContent)"
    wait("the page's own message", lambda: "hello from WebKit \u00e9\u00e8 \u0645\u0631\u062d\u0628\u0627" in d.js(own))
    # FTPChat's way: one APPE of one token line; the page shows it.
    fer = fernet_for("secret")
    f = connect()
    put(f, "lobby.txt", seal(fer, "al", "hi from FTPChat"), cmd="APPE")
    f.quit()
    texts = "return [...document.querySelectorAll('#messages .msg .text')].map((e) => e.textContent)"
    wait("FTPChat's message on the page", lambda: "hi from FTPChat" in d.js(texts))
    # What the page sent opens as FTPChat opens it.
    lines = [unseal(fer, l) for l in room_file("lobby.txt").splitlines() if l.strip()]
    assert any(l.endswith("iphone: hello from WebKit \u00e9\u00e8 \u0645\u0631\u062d\u0628\u0627") for l in lines), lines
    # Where things are, for the log (and the screenshot, taken once WebKit has painted).
    print("# layout:", d.js("""const m = document.getElementById('messages'); const r = m.getBoundingClientRect();
      const items = [...m.children].map((e) => { const b = e.getBoundingClientRect(); return `${e.className}@${Math.round(b.top)}+${Math.round(b.height)} w${Math.round(b.width)}`; });
      return `messages ${Math.round(r.top)}+${Math.round(r.height)} scroll ${m.scrollTop}/${m.scrollHeight} inner ${window.innerWidth}x${window.innerHeight} :: ${items.join(' | ')}`"""))
    time.sleep(0.5)
    shot = d.call("GET", "/screenshot")
    open(SHOT, "wb").write(base64.b64decode(shot))
    print("ok", d.js("return navigator.userAgent"))
    d.call("DELETE", "")
finally:
    for p in (driver_proc, xvfb):
        if p:
            p.kill()
            p.wait()
