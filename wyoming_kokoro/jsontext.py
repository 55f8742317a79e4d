"""Reading JSON a client sent: every way it can be wrong is one :class:`JsonInputError`.

``json.loads`` fails in more ways than ``JSONDecodeError``: nesting deeper than the
interpreter's recursion limit raises ``RecursionError``, an integer longer than
``sys.get_int_max_str_digits()`` a plain ``ValueError``, bytes that are not UTF-8 a
``UnicodeDecodeError``. Each door reads client JSON through :func:`read_json`, so each of these
is the client's mistake, answered as such, never a server fault.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["JsonInputError", "read_json"]


class JsonInputError(ValueError):
    """The text is not JSON this server reads; ``str()`` says why, fit to show a client."""


def read_json(data: str | bytes) -> Any:
    """``data`` parsed as JSON, or :class:`JsonInputError` naming the problem."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as error:
        raise JsonInputError(f"{error.msg} at position {error.pos}") from None
    except RecursionError:
        raise JsonInputError("it is nested too deeply") from None
    except UnicodeDecodeError:
        raise JsonInputError("it is not UTF-8 text") from None
    except ValueError:  # the only other: an integer over the interpreter's digit limit
        digits = sys.get_int_max_str_digits()
        raise JsonInputError(f"it has a number of more than {digits} digits") from None
