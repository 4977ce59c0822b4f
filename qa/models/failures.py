"""Why a model call failed, in one line a user can act on, and which failures to retry.

Errors come from several SDKs (openai, anthropic, ollama, httpx, llama.cpp); they are told
apart by what they carry (an HTTP status, a connection or timeout type) rather than by importing
each SDK. Server messages are shown only where they help, one line, cut short, and with
anything shaped like a key blanked: some servers echo part of the key they refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from index_store.errors import NewsQAError
from qa.errors import ContextTooLong, MissingKey, ModelUnavailable, UnknownModel

T = TypeVar("T")

_KEY_LIKE = re.compile(r"\b(?:sk|pk|key|api)[-_][A-Za-z0-9_\-*.]{6,}", re.I)
_CONTEXT_WORDS = re.compile(
    r"context (?:length|window|size)|maximum context|too many tokens|prompt is too long|"
    r"exceed(?:s|ed)? (?:the )?(?:context|max)|"
    # llama-cpp-python's server answers 500 with this numpy error when the prompt fits its
    # n_ctx but prompt + answer do not: the same overflow, found one step later.
    r"could not broadcast input array from shape",
    re.I,
)


@dataclass(frozen=True)
class Target:
    """Where a model lives, for messages: its spec, server, how to fix its key, and limits."""

    spec: str
    server: str
    key_hint: str = "pass --api-key or store one with `newsqa keys set NAME`"
    timeout: float = 60.0
    retries: int = 2
    secret: str = field(default="", repr=False)
    """The key in use, only so that no message can ever contain it."""


def status_of(error: BaseException) -> int | None:
    for holder in (error, getattr(error, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int) and status >= 100:
            return status
    return None


def is_retryable(error: BaseException) -> bool:
    """429 (rate limited), 5xx (server trouble) and a connection the server dropped (a reused
    keep-alive connection reset, as llama.cpp's server does after a failed stream) are worth
    another try; a refused connection, a timeout or a 4xx are not."""
    status = status_of(error)
    if status is not None:
        return (status == 429 or status >= 500) and not is_context_error(error)
    return _dropped_connection(error)


def _dropped_connection(error: BaseException) -> bool:
    dropped = {"ReadError", "RemoteProtocolError", "ConnectionResetError", "WriteError"}
    seen: BaseException | None = error
    for _ in range(6):
        if seen is None:
            return False
        if type(seen).__name__ in dropped:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def call_with_retries(call: Callable[[], T], target: Target) -> T:
    """`call()`, retried with exponential backoff and jitter when `is_retryable`,
    `target.retries` times; any failure leaves as a one-line `NewsQAError`."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

    retrying = Retrying(
        stop=stop_after_attempt(target.retries + 1),
        wait=wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5),
        retry=retry_if_exception(is_retryable),
        reraise=True,
    )
    try:
        return retrying(call)
    except NewsQAError:
        raise
    except Exception as error:
        raise explain(error, target) from None


def explain(error: BaseException, target: Target) -> NewsQAError:
    """The one-line domain error for a failed call; unknown failures keep their type name."""
    server, spec = target.server, target.spec
    status = status_of(error)
    detail = server_message(error, target.secret)
    if _is_timeout(error):
        return ModelUnavailable(
            f"{server} did not answer {spec} within {target.timeout:g} s: raise request_timeout "
            "(NEWSQA_REQUEST_TIMEOUT), lower max_answer_tokens, or use a smaller model"
        )
    if status is None and _is_unreachable(error):
        return ModelUnavailable(
            f"cannot reach {server} for {spec}: is the server running, and is the URL right?"
        )
    if status in (401, 403):
        return MissingKey(
            f"{server} refused the API key for {spec} (HTTP {status}): {target.key_hint}"
        )
    if is_context_error(error):
        return ContextTooLong(f"the prompt is longer than {spec}'s context window at {server}")
    if status == 404 or (
        status == 400 and re.search(r"model.*(not found|does not exist)", detail, re.I)
    ):
        return UnknownModel(
            f"{server} does not serve '{spec}' (HTTP {status}): check the model name (and that "
            "an OpenAI-compatible URL ends in /v1)"
        )
    if status is not None and is_retryable(error):
        return ModelUnavailable(
            f"{server} kept failing for {spec} (HTTP {status}) after {target.retries} "
            f"retries: try again later{_colon(detail)}"
        )
    if status is not None:
        return ModelUnavailable(
            f"{server} rejected the request for {spec} (HTTP {status}){_colon(detail)}"
        )
    return ModelUnavailable(f"{spec} failed: {type(error).__name__}{_colon(detail)}")


def is_context_error(error: BaseException) -> bool:
    """The server (or llama.cpp in-process) said the prompt does not fit its window."""
    status = status_of(error)
    if status not in (None, 400, 413, 422, 500):
        return False
    return bool(_CONTEXT_WORDS.search(server_message(error, "")))


def server_message(error: BaseException, secret: str) -> str:
    """The error's own message: one line, at most 200 characters, key-shaped text blanked."""
    body = getattr(error, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or getattr(error, "error", None) or error or "")
    if secret:
        text = text.replace(secret, "[key]")
    text = _KEY_LIKE.sub("[key]", " ".join(text.split()))
    return text[:200]


def _is_timeout(error: BaseException) -> bool:
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & {"TimeoutException", "APITimeoutError", "TimeoutError", "ReadTimeout"})


def _is_unreachable(error: BaseException) -> bool:
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & {"ConnectError", "APIConnectionError", "ConnectionError", "NetworkError"})


def _colon(detail: str) -> str:
    return f": {detail}" if detail else ""
