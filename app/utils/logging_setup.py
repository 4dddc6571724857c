"""Process-wide logging: one format, level from LOG_LEVEL, noisy libraries quietened."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_dashboard", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._dashboard = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs full request URLs at INFO; keep them out of the app's INFO log.
    for noisy in ("httpx", "httpcore", "nio", "aiohttp", "peewee"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
