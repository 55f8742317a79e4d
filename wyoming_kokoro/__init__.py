"""Kokoro Live: streaming Kokoro-82M text-to-speech for voicebots and Home Assistant.

Importing this package loads no model and needs no onnxruntime: the client side
(``wyoming_kokoro.client``) runs on hosts that never synthesize.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    # pyproject.toml is the one place the version is written; the installed metadata carries it.
    __version__ = version("wyoming-kokoro")
except PackageNotFoundError:  # sources on sys.path without an install
    __version__ = "0+unknown"
