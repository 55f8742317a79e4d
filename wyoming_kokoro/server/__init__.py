"""The doors: the live host (``/ws/tts/live``, ``/ws/tts/stream``, health) and the Wyoming server.

Each door turns its protocol into :meth:`wyoming_kokoro.engine.Engine.stream` calls and the
engine's errors into its protocol's error messages.
"""
