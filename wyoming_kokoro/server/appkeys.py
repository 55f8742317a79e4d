"""The typed keys of the live port's ``aiohttp`` application: what every route may use.

The host (``host.py``) builds the application and sets each key once; route modules (the doors,
the HTTP API, the playground) read them from ``request.app`` and never import one another.
"""

from __future__ import annotations

from aiohttp import web

from ..config import Settings
from ..engine import Engine
from .contexts import ContextCounters
from .metrics import Metrics
from .sessions import Sessions

#: The one loaded engine.
ENGINE_KEY: web.AppKey[Engine] = web.AppKey("engine", Engine)
#: The process settings (limits in ``settings.limits``).
SETTINGS_KEY: web.AppKey[Settings] = web.AppKey("settings", Settings)
#: The Prometheus metrics of this application (its own registry).
METRICS_KEY: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
#: Admission and counts of open sessions, shared by every door: ``async with
#: app[SESSIONS_KEY].session(door) as session`` raises :class:`~.protocol.BusyError` when full.
SESSIONS_KEY: web.AppKey[Sessions] = web.AppKey("sessions", Sessions)
#: Contexts of every protocol 2 connection of ``/ws/tts/live`` (``contexts.py``), for ``/health``.
CONTEXTS_KEY: web.AppKey[ContextCounters] = web.AppKey("contexts", ContextCounters)
