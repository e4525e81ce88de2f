"""Local development: `make run`."""
import os

from .base import *  # noqa: F403

DEBUG = True

# A readable console for `make run`; production keeps one JSON object per line (LOG_FORMAT=json to see it here).
if "LOG_FORMAT" not in os.environ:
    LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
