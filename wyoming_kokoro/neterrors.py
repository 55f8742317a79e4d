"""One readable reason for a failed HTTP call, shared by the model downloader and the add-on."""

from __future__ import annotations

import urllib.error


def describe_error(err: BaseException) -> str:
    """What went wrong, without urllib's wrapping: ``Connection refused``, ``timed out``, ..."""
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        if not isinstance(err.reason, BaseException):
            return str(err.reason)
        err = err.reason
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
