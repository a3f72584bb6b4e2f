"""Moves this whole Python process's wall clock to $MOVED_CLOCK (an ISO date), ticking.

`make test-dates` puts this folder on PYTHONPATH to run the suite as if on other days: the
suite must pass whatever the date is, since the app's clock (pinned by the tests) is the only
one the service reads. time-machine leaves the monotonic clock alone, so asyncio and the
pinned clock keep running.
"""

import os

import time_machine

# a day (the suite's start: 09:30 in Shanghai), or an instant (a process the suite starts, on
# the suite's clock as it reads at that moment: `tests/push/live.py`)
_moved = os.environ.get("MOVED_CLOCK")
if _moved:
    time_machine.travel(_moved if "T" in _moved else f"{_moved}T09:30:00+08:00", tick=True).start()
