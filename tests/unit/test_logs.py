"""The token filter masks secrets wherever they hide in a log record."""

import logging

import aiohttp
from yarl import URL

from runtime.logs import MASK, SecretFilter

TOKEN = "123456:AAH-secret-part-of-the-token"


def _formatted(record: logging.LogRecord) -> str:
    SecretFilter([TOKEN]).filter(record)
    return logging.Formatter("%(message)s").format(record)


def _record(msg: str, args: tuple[object, ...] = (), exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("x", logging.ERROR, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def test_token_in_message_args_and_exception_is_masked() -> None:
    url = URL(f"https://api.telegram.org/file/bot{TOKEN}/photos/file_1.jpg")
    info = aiohttp.RequestInfo(url, "GET", {}, url)  # type: ignore[arg-type]
    error = aiohttp.ClientResponseError(info, (), status=502, message="Bad Gateway")
    try:
        raise RuntimeError(f"wrapped: {error}") from error
    except RuntimeError as exc:
        record = _record("download failed: %s", (error,), (type(exc), exc, exc.__traceback__))
    text = _formatted(record)
    assert TOKEN.partition(":")[2] not in text
    assert MASK in text and "502" in text and "RuntimeError" in text
    assert "AAH" not in _formatted(_record(f"url-encoded 123456%3A{TOKEN.partition(':')[2]}"))


def test_records_without_secrets_are_left_alone() -> None:
    record = _record("saved %d files", (3,))
    assert _formatted(record) == "saved 3 files"
    record = _record("nothing to mask")
    SecretFilter([]).filter(record)
    assert record.getMessage() == "nothing to mask"
