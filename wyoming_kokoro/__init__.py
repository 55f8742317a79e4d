"""Kokoro Live: streaming Kokoro-82M text-to-speech for voicebots and Home Assistant.

Importing this package loads no model and needs no onnxruntime: the client side
(``wyoming_kokoro.client``) runs on hosts that never synthesize.
"""

__version__ = "0.1.0"
