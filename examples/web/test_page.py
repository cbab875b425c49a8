#!/usr/bin/env python3
"""The live XOR page in a real browser: headless Chromium driven through ChromeDriver (the
W3C WebDriver protocol, spoken here with the standard library alone), the page served from
this folder by Python's http.server on 127.0.0.1.

  python3 examples/web/test_page.py [--screenshot PATH]

Checks, each within a time bound:
  1. the page loads its module and trains with the default settings (2-10-2, eta = 2, the
     fastest kernel tier of the build) to >= 0.97 accuracy, and runs its 10 000 steps;
  2. the article's blow-up: 50 hidden units at eta = 50 saturate (accuracy <= 0.6, loss >= 0.4
     after 1 000 steps) ...
  3. ... and clipping the gradient norm at 0.05 cures it (>= 0.97);
  4. a step with a non-finite loss (eta = 1e7) is shown as refused, with the step number, and
     the page stays live (another run starts and trains);
  5. a settings control (the seed) starts a new run with that setting;
and no script error was reported. Saves screenshots of the finished default run (PATH,
default target/web-ci/page.png) and of the refused step (PATH with `-refused` added). Needs chromium and chromium-driver (Debian packages) and
examples/web/stacknet_web.wasm (bash examples/web/build.sh).
"""

import argparse
import base64
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROME_ARGS = [
    # The flags this machine kind needs (closed network, root, no GPU), plus no throttling
    # of an unfocused headless page's animation frames.
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1040,1130",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Driver:
    """A minimal W3C WebDriver client (only the commands this test uses)."""

    def __init__(self, chromedriver, chromium):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="chromedriver-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [chromedriver, f"--port={self.port}"], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        deadline = time.time() + 30
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.time() > deadline:
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.2)
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": CHROME_ARGS + [f"--user-data-dir={self.profile}"]},
        }
        self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read().decode(errors='replace')[:500]}") from None

    def cmd(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def click(self, css):
        found = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        el = found.get(ELEMENT)
        if not el:
            raise RuntimeError(f"no element {css}: {found}")
        self.cmd("POST", f"/element/{el}/click", {})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)

    def quit(self):
        try:
            self.cmd("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screenshot", default=os.path.join(ROOT, "target", "web-ci", "page.png"))
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(HERE, "stacknet_web.wasm")):
        sys.exit("examples/web/stacknet_web.wasm is missing: run bash examples/web/build.sh first")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=HERE))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    passed, failed = 0, 0

    def check(ok, what):
        nonlocal passed, failed
        print(("PASS  " if ok else "FAIL  ") + what, flush=True)
        passed, failed = passed + bool(ok), failed + (not ok)

    drv = Driver(args.chromedriver, args.chromium)
    snap = lambda: drv.js("return window.stacknetPage ? window.stacknetPage.snapshot() : null;")  # noqa: E731

    def wait(pred, seconds):
        """Polls the page until `pred(snapshot)` holds; returns (snapshot, seconds waited)."""
        t0 = time.time()
        s = snap()
        while not (s and pred(s)):
            if time.time() - t0 > seconds:
                return s, None
            time.sleep(0.1)
            s = snap()
        return s, time.time() - t0

    def preset(name, speed):
        drv.click(f"[data-preset='{name}']")
        drv.js("const s = document.getElementById('speed'); s.value = arguments[0];"
               "s.dispatchEvent(new Event('change'));", str(speed))

    try:
        drv.get(url)
        s, _ = wait(lambda s: s["state"] == "training", 30)
        check(s and s["state"] == "training", f"page loads and trains (state {s and s['state']}, kernels {s and s.get('tier')})")
        if not s or s["state"] != "training":
            raise SystemExit(1)
        tier = s["tier"]
        best = drv.js("return document.getElementById('tier').options[0].textContent;")
        check(tier == best, f"default run uses the build's fastest tier ({tier})")

        # 1. defaults reach 0.97, then finish the run
        s, t = wait(lambda s: s["accuracy"] >= 0.97, 90)
        check(t is not None, f"defaults: accuracy {s['accuracy']:.4f} >= 0.97 at step {s['step']}"
              + (f" after {t:.1f} s" if t is not None else " NOT within 90 s"))
        s, t = wait(lambda s: s["state"] == "done", 120)
        check(t is not None and s["accuracy"] >= 0.97,
              f"defaults: {s['step']} steps done, loss {s['loss']:.6f}, accuracy {s['accuracy']:.4f}, "
              f"{s['usPerStep']:.1f} us/step, {s['points']} curve points")
        drv.screenshot(args.screenshot)
        print(f"      screenshot: {args.screenshot}")

        # 2. 50 hidden at eta = 50 blows up (saturates)
        preset("wide-lr50", 100)
        s, t = wait(lambda s: s["settings"]["hidden"] == 50 and s["step"] >= 1000, 90)
        check(t is not None and s["accuracy"] <= 0.6 and s["loss"] >= 0.4,
              f"50 hidden, eta 50: saturated after {s['step']} steps (accuracy {s['accuracy']:.4f}, loss {s['loss']:.6f})")

        # 3. clipping cures it
        preset("wide-lr50-clip", 100)
        s, t = wait(lambda s: s["settings"]["clipOn"] and s["accuracy"] >= 0.97, 90)
        check(t is not None,
              f"50 hidden, eta 50, clip 0.05: accuracy {s['accuracy']:.4f} at step {s['step']}, "
              f"{s['clipped']} steps clipped" + (f", after {t:.1f} s" if t is not None else ", NOT >= 0.97 within 90 s"))

        # 4. a refused step is shown, and the page stays live
        preset("refused", 20)
        s, t = wait(lambda s: s["state"] == "refused", 60)
        banner = drv.js("const r = document.getElementById('refused'); return r.hidden ? '' : r.textContent;")
        badge = drv.js("return document.getElementById('state').textContent;")
        base, ext = os.path.splitext(args.screenshot)
        drv.screenshot(f"{base}-refused{ext}")
        print(f"      screenshot: {base}-refused{ext}")
        check(t is not None and s["refusal"] == 3 and s["step"] == s["refusedStep"] - 1
              and f"Step {s['refusedStep']} was refused: the loss is not finite" in banner and badge == "refused",
              f"eta 1e7: step {s['refusedStep']} refused (loss not finite), weights kept after step {s['step']}, "
              f"shown as '{badge}': {banner[:60]}…")
        drv.click("[data-preset='reference']")
        s, t = wait(lambda s: s["state"] == "training" and s["step"] >= 200, 30)
        check(t is not None, f"after the refusal a new run starts and trains (step {s['step']})")

        # 5. a control starts a new run with its value
        drv.js("const e = document.getElementById('seed'); e.value = '3'; e.dispatchEvent(new Event('change', {bubbles: true}));")
        s, t = wait(lambda s: s["settings"]["seed"] == 3 and s["step"] >= 100, 30)
        check(t is not None, f"seed control: new run with seed 3 (step {s['step']})")

        errors = drv.js("return window.stacknetPage.errors;")
        check(not errors, f"no script errors ({errors})")
    finally:
        drv.quit()
        server.shutdown()
    print(f"web page: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
