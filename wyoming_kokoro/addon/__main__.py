"""``python -m wyoming_kokoro.addon healthcheck``: the container's HEALTHCHECK."""

import sys

from .healthcheck import main

sys.exit(main())
