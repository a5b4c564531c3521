"""A small client for the Chrome DevTools Protocol: starts headless Chromium, opens pages, runs
JavaScript, clicks and scrolls like a user, switches the network off, and collects console
errors and screenshots. Used by the browser tests (scripts/browser-e2e.sh); needs only
websocket-client from PyPI and a Chromium binary.

    with Browser() as browser:
        page = browser.new_page()
        assert page.goto("http://127.0.0.1:8080/") == 200
        page.click("#buy")
        assert "Added" in page.text()
        assert not page.errors, page.errors
        page.screenshot("buy.png")
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket


class CDPError(Exception):
    pass


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    """Headless Chromium with a throwaway profile, closed on exit."""

    def __init__(self, executable=None, extra_args=(), timeout=20):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise CDPError("no Chromium binary found (set CHROMIUM)")
        self.profile = tempfile.mkdtemp(prefix="attune-chromium-")
        args = [
            self.executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", "--remote-debugging-port=0",
            "--user-data-dir=" + self.profile, "--window-size=1280,900", *extra_args, "about:blank",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if self.process.poll() is not None or time.time() > deadline:
                self.close()
                raise CDPError("Chromium did not start")
            time.sleep(0.05)
        time.sleep(0.05)
        self.port = int(open(port_file).read().split()[0])

    def new_page(self):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            target = json.load(response)
        return Page(target["webSocketDebuggerUrl"])

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """One tab. Every call is synchronous; protocol events are kept in `events` as they arrive."""

    def __init__(self, ws_url, timeout=30):
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.timeout = timeout
        self.next_id = 0
        self.events = []
        # Console errors and uncaught exceptions, as text.
        self.errors = []
        self.console = []
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(domain + ".enable")

    def send(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = self._receive(self.timeout)
            if message.get("id") == ident:
                if "error" in message:
                    raise CDPError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _receive(self, timeout):
        self.ws.settimeout(timeout)
        message = json.loads(self.ws.recv())
        if "method" in message:
            self._note(message)
        return message

    def _note(self, message):
        self.events.append(message)
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append((params.get("type"), text))
            if params.get("type") == "error":
                self.errors.append("console.error: " + text)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())

    def wait_for_event(self, method, predicate=lambda params: True, timeout=None, since=0):
        """The first event named `method` (from index `since` of `events`) that `predicate` accepts."""
        deadline = time.time() + (timeout or self.timeout)
        checked = since
        while True:
            for message in self.events[checked:]:
                if message["method"] == method and predicate(message.get("params", {})):
                    return message.get("params", {})
            checked = len(self.events)
            left = deadline - time.time()
            if left <= 0:
                raise CDPError(f"timed out waiting for {method}")
            try:
                self._receive(left)
            except websocket.WebSocketTimeoutException:
                pass

    def pump(self, seconds):
        """Lets `seconds` pass while still collecting events."""
        deadline = time.time() + seconds
        while (left := deadline - time.time()) > 0:
            try:
                self._receive(left)
            except websocket.WebSocketTimeoutException:
                pass

    def evaluate(self, expression, await_promise=True):
        """The JSON value of a JavaScript expression (a promise is awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=await_promise, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CDPError("JavaScript: " + details.get("exception", {}).get("description", details.get("text", "")))
        return result["result"].get("value")

    def wait_until(self, expression, timeout=None, interval=0.1):
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.time() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.time() > deadline:
                raise CDPError(f"timed out waiting until {expression}")
            self.pump(interval)

    def goto(self, url, timeout=None, headers=None):
        """Loads `url` (with extra request `headers`, e.g. a cookie) and returns the HTTP status
        of the document, or None when it was not fetched over HTTP."""
        since = len(self.events)
        if headers is not None:
            self.send("Network.setExtraHTTPHeaders", headers=headers)
        self.send("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired", timeout=timeout, since=since)
        for message in self.events[since:]:
            if message["method"] == "Network.responseReceived" and message["params"].get("type") == "Document":
                return message["params"]["response"]["status"]
        return None

    def text(self):
        """The page's visible text."""
        return self.evaluate("document.body ? document.body.innerText : ''")

    def reload(self, timeout=None):
        since = len(self.events)
        self.send("Page.reload", ignoreCache=False)
        self.wait_for_event("Page.loadEventFired", timeout=timeout, since=since)

    def center(self, selector):
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if box is None:
            raise CDPError(f"no element matches {selector}")
        return box

    def click(self, selector):
        """A real mouse click (pressed and released) in the middle of the element."""
        x, y = self.center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def type_text(self, selector, text):
        self.click(selector)
        self.send("Input.insertText", text=text)

    def scroll_to_fraction(self, fraction):
        """Scrolls with the mouse wheel until the viewport's bottom edge is at `fraction` of the page."""
        target = self.evaluate(
            f"Math.max(0, document.documentElement.scrollHeight * {fraction} - window.innerHeight)")
        for _ in range(200):
            y = self.evaluate("window.scrollY")
            if y >= target - 1:
                break
            self.send("Input.dispatchMouseEvent", type="mouseWheel", x=400, y=300, deltaX=0, deltaY=min(400, target - y))
            self.pump(0.05)

    def set_offline(self, offline):
        self.send("Network.emulateNetworkConditions", offline=offline, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)

    def block_urls(self, patterns):
        """Requests to matching URLs fail as if the host were unreachable (empty list: none)."""
        self.send("Network.setBlockedURLs", urls=list(patterns))

    def screenshot(self, path, full_page=True):
        params = {"format": "png", "captureBeyondViewport": full_page}
        data = self.send("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Page.close")
        except Exception:
            pass
        try:
            self.ws.close()
        except Exception:
            pass
