"""Whether a page a build rewrites on a timer is still young enough to leave alone.

The status page and the discovery page each list every feed (2,000 rows or
more), so rendering them costs more than a cron build of one new story; a
build leaves a young one alone unless what it shows at once has changed
(``output.pages_every``). Age is the file's own mtime against the build's
``now``, so a page stamped after ``now`` (a clock set back) is never young.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def written_within(path: Path, now: datetime, seconds: int) -> bool:
    """Whether ``path`` exists and was written less than ``seconds`` before ``now``."""
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return 0 <= now.timestamp() - written < seconds
