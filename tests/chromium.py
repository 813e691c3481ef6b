"""Open a local HTML page in headless Chromium and look at it: console errors, network, charts, screenshot.

Drives Chromium through the DevTools protocol over a minimal WebSocket client (standard library
only). Used by the report tests, and by hand to refresh the README's screenshot:

    python -m tests.chromium out/demo/report/report.html docs/report.png --height 1500
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Debian's package, then the names other distributions and Google's build use.
BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    # no network: every http(s) request goes to a closed local port (file:// pages are unaffected)
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
CHARTS_JS = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  return {name: s.dataset.chart, elements: s.querySelectorAll('*').length, width: r.width, height: r.height};
}))"""


def find_chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium(timeout: float = 600) -> tuple[str | None, str]:
    """Chromium's path, installing Debian's package when it is missing and we may; else (None, why)."""
    path = find_chromium()
    if path:
        return path, ""
    if not shutil.which("apt-get"):
        return None, f"chromium is not installed and apt-get is not available; install it: {INSTALL}"
    if os.geteuid() != 0:
        return None, f"chromium is not installed and installing needs root: sudo sh -c '{INSTALL}'"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["sh", "-c", INSTALL], env=env, capture_output=True, text=True, timeout=timeout)
    path = find_chromium()
    if path:
        return path, ""
    return (
        None,
        f"installing chromium failed ({INSTALL}, exit {done.returncode}): {done.stderr.strip()[-300:]}",
    )


# ---------------------------------------------------------------------------------------------
# a minimal WebSocket client (RFC 6455): text frames, masked from the client, ping/pong


class WebSocket:
    """Just enough of a WebSocket client for the DevTools protocol."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        u = urlsplit(url)
        self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"WebSocket handshake refused: {status.decode(errors='replace')}")
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        header = bytes([0x80 | opcode])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def recv(self) -> str:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else b""
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self) -> None:
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# the browser


@dataclass
class PageCheck:
    """What a page did while loading, and what it looks like."""

    console_errors: list[str] = field(
        default_factory=list
    )  # console.error/assert, uncaught exceptions, log errors
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    charts: list[dict[str, Any]] = field(default_factory=list)  # one per svg.chart: name, elements, size
    screenshot: bytes = b""  # PNG
    title: str = ""


class Chromium:
    """A headless Chromium with a DevTools connection to one page; use as a context manager."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900, timeout: float = 60) -> None:
        self.binary, self.width, self.height, self.timeout = binary, width, height, timeout
        self.profile = tempfile.mkdtemp(prefix="corpusloop-chromium-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.ws: WebSocket | None = None
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        args = [
            self.binary,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            "--remote-debugging-port=0",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode} before DevTools started")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as resp:
            targets = json.loads(resp.read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"], timeout=self.timeout)
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            self.call(method)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=self.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ws is not None:
            self.ws.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer; events that arrive meanwhile are kept."""
        assert self.ws is not None
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str) -> dict[str, Any]:
        """The first `event` since the last `check_page`, waiting for it if needed."""
        assert self.ws is not None
        for msg in self.events:
            if msg.get("method") == event:
                return msg
        while True:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == event:
                return msg

    def check_page(self, path: str | Path, screenshot_height: int | None = None) -> PageCheck:
        """Load a local file, then collect errors, requests and charts, and take a screenshot.

        `screenshot_height`: capture the top N CSS pixels; None: the whole page.
        """
        self.events.clear()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        out = PageCheck()
        charts = self.call("Runtime.evaluate", expression=CHARTS_JS, returnByValue=True)
        out.charts = json.loads(charts["result"]["value"])
        out.title = self.call("Runtime.evaluate", expression="document.title", returnByValue=True)["result"][
            "value"
        ]
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        height = min(size["height"], screenshot_height or size["height"])
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1},
        )
        out.screenshot = base64.b64decode(shot["data"])
        for msg in self.events:
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.console_errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Runtime.exceptionThrown":
                out.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                out.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                out.requests.append(params["request"]["url"])
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot a local HTML page with headless Chromium.")
    parser.add_argument("html")
    parser.add_argument("png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, help="capture only the top N pixels (default: the whole page)")
    parser.add_argument(
        "--colors",
        type=int,
        default=0,
        help="quantize the PNG to N colours with Pillow (smaller file); 0: leave it",
    )
    args = parser.parse_args(argv)
    binary, why = ensure_chromium()
    if binary is None:
        print(why, file=sys.stderr)
        return 1
    with Chromium(binary, width=args.width) as browser:
        page = browser.check_page(args.html, args.height)
    data = page.screenshot
    if args.colors:
        import io

        from PIL import Image

        img = (
            Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=args.colors, dither=Image.Dither.NONE)
        )
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        data = buf.getvalue()
    Path(args.png).write_bytes(data)
    print(
        f"{args.png}: {len(data):,} bytes, {len(page.charts)} charts, "
        f"{len(page.console_errors)} console errors, {len(page.requests)} requests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
