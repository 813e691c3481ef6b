"""Connecting to Label Studio: where server and token come from, retries, keeping the token secret.

The URL and token come from the environment (`LABEL_STUDIO_URL`, `LABEL_STUDIO_API_KEY`), else
from a config file (`url:` and `api_key:` keys, e.g. `~/.config/corpusloop/labelstudio.yaml`,
chosen with `--server-config`). The token is held in a `Secret` whose repr and str are `***`;
every error raised from here has the token (and session cookies) replaced by `***`.

Retries happen in the HTTP transport under the SDK, so every SDK call gets them: connection
errors and 5xx answers are retried with exponential backoff (0.5 s, 1 s, 2 s, ... capped at 8 s).
A POST is retried only when it surely did not reach the server (connect errors) or the answer is
502/503/504 (a gateway or a server not up yet), so an import is not applied twice.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

log = logging.getLogger(__name__)

URL_ENV = "LABEL_STUDIO_URL"
TOKEN_ENV = "LABEL_STUDIO_API_KEY"
DEFAULT_URL = "http://127.0.0.1:8080"
RETRY_STATUS_ANY = frozenset({500, 502, 503, 504})
RETRY_STATUS_POST = frozenset({502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
COOKIE_RE = re.compile(r"(sessionid|csrftoken)=[^;'\"\s]+", re.I)
AUTH_RE = re.compile(r"((?:Token|Bearer)\s+)[A-Za-z0-9._\-]+")


class LabelingError(RuntimeError):
    """A Label Studio call that failed for good; its message never holds the token."""


class Secret:
    """A string that does not show itself: repr/str are `***`; `.value` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)


def redact(text: str, *secrets: str) -> str:
    """`text` with every secret, `Token xxx` / `Bearer xxx` value and session cookie replaced by `***`."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    text = AUTH_RE.sub(r"\1***", text)
    return COOKIE_RE.sub(r"\1=***", text)


@dataclass(frozen=True)
class ServerSettings:
    """Where Label Studio is and how to authenticate (legacy token or personal access token)."""

    url: str = DEFAULT_URL
    token: Secret = field(default_factory=lambda: Secret(""), repr=False)
    timeout: float = 60.0
    retries: int = 5  # attempts after the first
    backoff: float = 0.5  # first wait, doubled each retry
    max_backoff: float = 8.0

    @classmethod
    def load(
        cls, config_file: str | Path | None = None, env: dict[str, str] | None = None, **overrides: Any
    ) -> ServerSettings:
        """Settings from the environment, else `config_file` (YAML with `url`, `api_key`), else defaults."""
        env = dict(os.environ if env is None else env)
        data: dict[str, Any] = {}
        if config_file is not None:
            from pipelines.config import load_yaml

            data = load_yaml(config_file)
            unknown = sorted(set(data) - {"url", "api_key", "timeout", "retries"})
            if unknown:
                raise LabelingError(
                    f"{config_file}: unknown key(s) {unknown}; known: api_key, retries, timeout, url"
                )
        url = env.get(URL_ENV) or data.get("url") or DEFAULT_URL
        token = env.get(TOKEN_ENV) or data.get("api_key") or ""
        kwargs: dict[str, Any] = {"url": str(url).rstrip("/"), "token": Secret(str(token))}
        for key in ("timeout", "retries"):
            if key in data:
                kwargs[key] = type(getattr(cls, key))(data[key])
        kwargs.update(overrides)
        return cls(**kwargs)


class RetryTransport(httpx.BaseTransport):
    """An httpx transport that retries connection errors and 5xx answers with exponential backoff."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.retries, self.backoff, self.max_backoff, self.sleep = retries, backoff, max_backoff, sleep

    def _wait(self, attempt: int, why: str, request: httpx.Request) -> None:
        delay = min(self.backoff * 2**attempt, self.max_backoff)
        # the URL path only: no query string, no headers (the token is in a header)
        log.warning(
            "label studio %s %s: %s; retry %d/%d in %.1fs",
            request.method,
            request.url.path,
            why,
            attempt + 1,
            self.retries,
            delay,
        )
        self.sleep(delay)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        safe = request.method in SAFE_METHODS
        attempt = 0
        while True:
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt >= self.retries:
                    raise
                self._wait(attempt, type(exc).__name__, request)
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout, httpx.WriteError) as exc:
                if not safe or attempt >= self.retries:
                    raise
                self._wait(attempt, type(exc).__name__, request)
            else:
                codes = RETRY_STATUS_ANY if safe else RETRY_STATUS_POST
                if response.status_code not in codes or attempt >= self.retries:
                    return response
                response.read()
                response.close()
                self._wait(attempt, f"HTTP {response.status_code}", request)
            attempt += 1

    def close(self) -> None:
        self.inner.close()


class RedactFilter(logging.Filter):
    """Rewrites log records of the HTTP libraries so tokens and session cookies never reach a log."""

    secrets: ClassVar[set[str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, *self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


HTTP_LOGGERS = ("httpx", "httpcore.http11", "httpcore.connection", "label_studio_sdk")


def _redact_http_logs(token: str) -> None:
    RedactFilter.secrets.add(token)
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


def connect(
    settings: ServerSettings,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """A `label_studio_sdk.LabelStudio` client whose requests go through `RetryTransport`."""
    from label_studio_sdk import LabelStudio

    if not settings.token:
        raise LabelingError(f"no Label Studio token: set {TOKEN_ENV} (or api_key in the server config file)")
    _redact_http_logs(settings.token.value)
    retry = RetryTransport(transport, settings.retries, settings.backoff, settings.max_backoff, sleep)
    http = httpx.Client(transport=retry, timeout=settings.timeout, follow_redirects=True)
    client = LabelStudio(base_url=settings.url, api_key=settings.token.value, httpx_client=http)
    # The SDK also retries 5xx (and 409, even for POST) on its own; ours is the one retry policy.
    wrapper = getattr(client, "_client_wrapper", None)
    if wrapper is not None and hasattr(wrapper, "httpx_client"):
        wrapper.httpx_client.base_max_retries = 0
    return client


def call(what: str, fn: Callable[..., Any], *args: Any, secrets: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """Run one SDK call; any failure becomes a `LabelingError` naming `what`, with secrets redacted."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        detail = f"HTTP {status}: {body}" if status is not None else f"{type(exc).__name__}: {exc}"
        raise LabelingError(redact(f"{what} failed: {detail}", *secrets)) from None
