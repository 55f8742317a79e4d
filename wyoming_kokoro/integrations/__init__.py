"""Adapters for voicebot frameworks, each behind its own extra (``pipecat``, ``livekit``).

Each is built on :class:`~wyoming_kokoro.connection.KokoroConnection`: one protocol 2
connection per service, a context per reply, word timestamps from the server.
"""
