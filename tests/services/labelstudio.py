"""A real Label Studio server for the tests, in its own virtualenv (its pins clash with the main one).

    python -m tests.services.labelstudio install   # .venv-labelstudio + migrated template (make labelstudio)
    python -m tests.services.labelstudio run [--port 8080] [--data-dir DIR]   # by hand, until Ctrl-C

`LabelStudioServer` starts `label-studio start` on 127.0.0.1 with a throwaway data directory (a
copy of a once-migrated template, so a start takes ~10 s instead of ~60-90 s), an
admin user and a legacy API token (enabled at the organisation's first start), waits for
/health, adds more users with `label-studio init` (each with its own token), restarts on the same
data directory, and stops. Nothing reaches the network: LATEST_VERSION_CHECK=false, and
LABEL_STUDIO_BASE_DATA_DIR keeps it out of ~/.local/share.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-labelstudio"
VERSION = "1.23.2"  # checked: installs beside nothing else, ~70 s; SDK 2.1 talks to it
BIN = VENV / "bin" / "label-studio"
START_TIMEOUT = 180.0  # a first start migrates a fresh SQLite database (~30 s on 2 busy cores)


class LabelStudioUnavailable(RuntimeError):
    """The server's virtualenv cannot be built or the server does not come up."""


def installed() -> bool:
    """Whether .venv-labelstudio holds label-studio==VERSION."""
    return BIN.exists() and any(VENV.glob(f"lib/python*/site-packages/label_studio-{VERSION}.dist-info"))


def ensure_venv(quiet: bool = True) -> Path:
    """The `label-studio` executable; creates .venv-labelstudio, or moves it to label-studio==VERSION."""
    if installed():
        return BIN
    py = shutil.which("python3.11") or shutil.which("python3") or sys.executable
    q = ["-q"] if quiet else []
    pip = [str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", *q]
    steps = [] if (VENV / "bin" / "pip").exists() else [[py, "-m", "venv", str(VENV)], [*pip, "-U", "pip"]]
    steps.append([*pip, f"label-studio=={VERSION}"])
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=quiet, text=True)
        if done.returncode != 0:
            tail = (done.stderr or "")[-800:] if quiet else ""
            raise LabelStudioUnavailable(f"building {VENV} failed at `{' '.join(cmd)}`: {tail}")
    if not installed():
        raise LabelStudioUnavailable(f"{BIN} missing after installing label-studio=={VERSION}")
    return BIN
    py = shutil.which("python3.11") or shutil.which("python3") or sys.executable
    q = ["-q"] if quiet else []
    steps = [
        [py, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", *q, "-U", "pip"],
        [str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", *q, f"label-studio=={VERSION}"],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=quiet, text=True)
        if done.returncode != 0:
            tail = (done.stderr or "")[-800:] if quiet else ""
            raise LabelStudioUnavailable(f"building {VENV} failed at `{' '.join(cmd)}`: {tail}")
    if not BIN.exists():
        raise LabelStudioUnavailable(f"{BIN} missing after installing label-studio=={VERSION}")
    return BIN


TEMPLATE = VENV / f"template-{VERSION}"  # a data dir with every migration applied, copied for each server


def ensure_template() -> Path:
    """A migrated, empty data directory, built once; each server copies it instead of migrating (~60 s)."""
    if (TEMPLATE / "label_studio.sqlite3").is_file():
        return TEMPLATE
    ensure_venv()
    manage = next(VENV.glob("lib/python*/site-packages/label_studio/manage.py"), None)
    if manage is None:
        raise LabelStudioUnavailable(f"label_studio/manage.py not found in {VENV}")
    tmp = Path(tempfile.mkdtemp(prefix="template-build-", dir=VENV))
    env = {
        **_clean_env(),
        "LABEL_STUDIO_BASE_DATA_DIR": str(tmp),
        "LATEST_VERSION_CHECK": "false",
        "DJANGO_SETTINGS_MODULE": "core.settings.label_studio",
    }
    done = subprocess.run(
        [str(VENV / "bin" / "python"), "manage.py", "migrate", "--no-input"],
        cwd=manage.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0 or not (tmp / "label_studio.sqlite3").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabelStudioUnavailable(f"migrating the template database failed: {done.stderr[-800:]}")
    (tmp / ".env").unlink(missing_ok=True)  # its SECRET_KEY: each copy makes its own
    try:
        tmp.rename(TEMPLATE)
    except OSError:  # built meanwhile by another process
        shutil.rmtree(tmp, ignore_errors=True)
    return TEMPLATE


def _clean_env() -> dict[str, str]:
    """The environment without Label Studio / Django settings of the caller."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}


def _detach_but_die_with_parent() -> None:
    """In the server's process: its own process group (stop() signals it), and SIGTERM when the
    process that started it dies (Linux prctl), so a killed test run leaves no server behind."""
    os.setsid()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: stop() / cleanup() still stop it


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class User:
    """A Label Studio user the tests act as."""

    email: str
    password: str
    token: str


def _user(name: str) -> User:
    return User(f"{name}@example.com", secrets.token_hex(8), secrets.token_hex(20))


class LabelStudioServer:
    """One `label-studio start` process on 127.0.0.1 with its own data directory."""

    def __init__(self, data_dir: str | Path | None = None, port: int | None = None) -> None:
        self.binary = ensure_venv()
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="corpusloop-labelstudio-")
            shutil.copytree(ensure_template(), data_dir, dirs_exist_ok=True)
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin = _user("admin")
        self.users: list[User] = [self.admin]
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "server.log"

    def _env(self) -> dict[str, str]:
        env = _clean_env()
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            LATEST_VERSION_CHECK="false",
            LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
            SENTRY_DSN="",
            FRONTEND_SENTRY_DSN="",
        )
        return env

    def _user_args(self, user: User) -> list[str]:
        return [
            "--data-dir",
            str(self.data_dir),
            "--username",
            user.email,
            "--password",
            user.password,
            "--user-token",
            user.token,
        ]

    def start(self, timeout: float = START_TIMEOUT) -> LabelStudioServer:
        """Start the server and wait until /health answers; raises LabelStudioUnavailable if it does not."""
        args = [
            str(self.binary),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "-p",
            str(self.port),
            *self._user_args(self.admin),
            "--enable-legacy-api-token",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes to it until stop()
        self.proc = subprocess.Popen(
            args,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_detach_but_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LabelStudioUnavailable(
                    f"label-studio exited with {self.proc.returncode}: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise LabelStudioUnavailable(
            f"label-studio did not answer /health in {timeout:.0f} s: {self.log_tail()}"
        )

    def add_user(self, name: str) -> User:
        """Create another user in the organisation (`label-studio init`), with its own legacy token."""
        user = _user(name)
        done = subprocess.run(
            [str(self.binary), "init", *self._user_args(user)],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise LabelStudioUnavailable(f"label-studio init for {user.email} failed: {done.stderr[-800:]}")
        self.users.append(user)
        return user

    def stop(self) -> None:
        """Stop the server process group (SIGTERM, then SIGKILL after 20 s)."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port and data directory."""
        self.stop()
        self.start()

    def log_tail(self, n: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no server log)"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help=f"create {VENV.name} with label-studio=={VERSION}")
    run = sub.add_parser("run", help="start a server and print its URL and admin token")
    run.add_argument("--port", type=int)
    run.add_argument("--data-dir")
    args = p.parse_args(argv)
    try:
        if args.command == "install":
            print(ensure_venv(quiet=False))
            print(ensure_template())
            return 0
        server = LabelStudioServer(args.data_dir, args.port).start()
    except LabelStudioUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"LABEL_STUDIO_URL={server.url}\nLABEL_STUDIO_API_KEY={server.admin.token}\n"
        f"login: {server.admin.email} / {server.admin.password}\ndata: {server.data_dir}",
        flush=True,
    )
    try:
        server.proc.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
