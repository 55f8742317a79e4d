"""The live port's HTTP server log: a client's fault is one line, not a server's traceback.

aiohttp logs every request it cannot parse (a malformed request line or header) and every
request whose client went away mid-body with ``logger.exception``: an ERROR with a traceback of
twenty lines, as if the server had failed. :data:`HTTP_LOGGER` is the logger the live port hands
to aiohttp instead of its own; its filter turns those records into one INFO line naming the
problem. A fault of the server itself keeps its ERROR and its traceback.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

__all__ = ["HTTP_LOGGER", "ClientFaultFilter"]


def client_fault(error: BaseException | None) -> str | None:
    """One line on what the client did wrong, or None when ``error`` is not the client's."""
    if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
        first = error.message.strip().splitlines()[0] if error.message.strip() else ""
        return f"bad HTTP request ({error.code}{': ' + first.rstrip(':') if first else ''})"
    if isinstance(error, ConnectionError):
        return f"the client went away ({error})"
    return None


class ClientFaultFilter(logging.Filter):
    """Rewrites a record about a client's fault to one INFO line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        summary = client_fault(error)
        if summary is not None:
            record.msg, record.args = "%s: %s", (record.getMessage(), summary)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


#: The logger the live port's aiohttp server writes to.
HTTP_LOGGER = logging.getLogger("wyoming_kokoro.server.http")
HTTP_LOGGER.addFilter(ClientFaultFilter())
