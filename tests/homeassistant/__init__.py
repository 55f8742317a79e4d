"""Tests against real Home Assistant, run in .venv-ha (see script/setup-ha)."""
