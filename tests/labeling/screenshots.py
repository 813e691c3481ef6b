"""Screenshots of one task of each kind as the Label Studio UI renders it, for docs/labeling/*.png.

    python -m tests.labeling.screenshots docs/labeling

Starts a throwaway Label Studio (tests/services/labelstudio.py), creates the projects, pushes the
test items, logs in with headless Chromium (tests/chromium.py) and captures each task's labeling
view. Chromium may reach only the loopback server: every other request goes to a closed proxy.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

from curation.labeling.client import ServerSettings
from curation.labeling.service import Labeling, LabelingConfig
from tests import chromium
from tests.labeling.conftest import DATA
from tests.services.labelstudio import LabelStudioServer

SHOTS = (  # (kind, file pushed, kind pushed as, source id of the task to show)
    ("write_instruction", "demand.jsonl", "write_instruction", "demand:math:zh:0"),
    ("write_instruction_in_context", "dialogues.jsonl", "write_instruction_in_context", None),
    ("write_answer", "outputs.jsonl", "write_answer", "out-1"),
    ("judge_answer", "outputs.jsonl", "judge_answer", "out-2"),
    ("revise_answer", "outputs.jsonl", "revise_answer", "out-2"),
    ("rank_answers", "candidates.jsonl", "rank_answers", "cand-1"),
    ("rank_answers_pair", "preference.jsonl", "rank_answers", None),
)
# Loopback is reachable (Chromium's implicit proxy bypass); everything else hits a closed port.
FLAGS = tuple(f for f in chromium.FLAGS if not f.startswith("--proxy-bypass-list"))


def _js(browser: chromium.Chromium, expression: str) -> object:
    res = browser.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
    return res.get("result", {}).get("value")


def _goto(browser: chromium.Chromium, url: str) -> None:
    browser.events.clear()
    browser.call("Page.navigate", url=url)
    browser.wait_for("Page.loadEventFired")


def _wait_for_text(browser: chromium.Chromium, text: str, timeout: float = 60) -> bool:
    """Wait until the labeling view shows `text` (the React app renders the task after loading)."""
    probe = (
        f"((document.querySelector('.lsf-main-view') || {{}}).innerText || '').includes({json.dumps(text)})"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _js(browser, probe):
            return True
        time.sleep(0.5)
    return False


def _session_cookies(url: str, email: str, password: str) -> dict[str, str]:
    """Log in through the login form (as a browser does) and return the session cookies."""
    import httpx

    with httpx.Client(base_url=url) as http:
        http.get("/user/login/")
        http.post(
            "/user/login/",
            data={"email": email, "password": password, "csrfmiddlewaretoken": http.cookies.get("csrftoken")},
            headers={"Referer": f"{url}/user/login/"},
        )
        if "sessionid" not in http.cookies:
            raise RuntimeError(f"could not log in to {url} as {email}")
        return dict(http.cookies.items())


def _quantize(png: bytes, colors: int) -> bytes:
    """The PNG with at most `colors` colours (Pillow), a third of the size for these flat UI pages."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", type=Path)
    p.add_argument("--width", type=int, default=1400)
    p.add_argument("--height", type=int, default=900)
    p.add_argument("--colors", type=int, default=64, help="quantize to N colours; 0: keep the PNG as taken")
    args = p.parse_args(argv)
    binary, why = chromium.ensure_chromium()
    if binary is None:
        print(why, file=sys.stderr)
        return 1
    chromium.FLAGS = FLAGS
    args.out_dir.mkdir(parents=True, exist_ok=True)
    server = LabelStudioServer().start()
    try:
        settings = ServerSettings.load(
            env={"LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": server.admin.token}
        )
        lab = Labeling(settings, LabelingConfig(overlap=1))
        lab.init()
        ids = lab.project_ids()
        for _, name, push_kind, _ in SHOTS:
            lab.push(push_kind, DATA / name)
        with chromium.Chromium(binary, width=args.width, height=args.height, timeout=120) as browser:
            for name, value in _session_cookies(
                server.url, server.admin.email, server.admin.password
            ).items():
                browser.call("Network.setCookie", name=name, value=value, url=server.url)
            for kind, _, _, sid in SHOTS:
                tasks = lab.export(ids[kind])
                task = next(t for t in tasks if sid is None or t["data"]["corpusloop"]["source_id"] == sid)
                _goto(browser, f"{server.url}/projects/{ids[kind]}/data?task={task['id']}")
                data = task["data"]
                snippet = str(data.get("topic") or data["dialogue"][0]["content"])[:12]
                rendered = _wait_for_text(browser, snippet)
                time.sleep(2)  # fonts, pre-filled predictions
                shot = browser.call("Page.captureScreenshot", format="png")
                path = args.out_dir / f"{kind}.png"
                png = base64.b64decode(shot["data"])
                path.write_bytes(_quantize(png, args.colors) if args.colors else png)
                print(f"{path}: task {task['id']}{'' if rendered else ' (labeling view not detected)'}")
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
