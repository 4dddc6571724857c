"""Process-wide logging: one format, level from LOG_LEVEL, noisy libraries quietened."""

from __future__ import annotations

import logging
from typing import TextIO

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _DashboardHandler(logging.StreamHandler[TextIO]):
    """The handler this module adds (once per process, however often it is called)."""


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _DashboardHandler) for h in root.handlers):
        handler = _DashboardHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs full request URLs at INFO; keep them out of the app's INFO log.
    for noisy in ("httpx", "httpcore", "nio", "aiohttp", "peewee"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
