"""How hard the property tests try, by Hypothesis profile (HYPOTHESIS_PROFILE).

`ci`, the default, is what `make test` and so CI run: every property at its full number of
examples. `dev` (`make test-quick`) runs a tenth of them, for a quick look while working.
Neither profile has a deadline: the suite reports how long things take, it does not assert it.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
DEV_SHARE = 10

settings.register_profile("ci", deadline=None)
settings.register_profile("dev", max_examples=100 // DEV_SHARE, deadline=None)
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """A property's number of examples: `full` under `ci`, a tenth of it (at least 5) under
    `dev`."""
    return full if PROFILE == "ci" else max(5, full // DEV_SHARE)
