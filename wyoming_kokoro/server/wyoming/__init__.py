"""The Wyoming door: server, per-connection handler, ``describe`` info and zeroconf."""

from .server import WyomingServer

__all__ = ["WyomingServer"]
