"""moto_server on the journey's simulated clock.

moto stamps what it creates (an AMI's CreationDate, a parameter's LastModifiedDate) with
moto.core.utils.utcnow. Journeys let months pass in seconds, so this launcher replaces that
function, before moto's services are imported, with one that reads the simulated time from the
file named by JOURNEY_CLOCK_FILE (ISO 8601, UTC), then runs moto_server with the given arguments.
"""
import datetime
import os
import sys

import moto.core.utils as moto_utils

CLOCK_FILE = os.environ["JOURNEY_CLOCK_FILE"]


def simulated_utcnow() -> datetime.datetime:
    with open(CLOCK_FILE, encoding="utf-8") as clock:
        return datetime.datetime.fromisoformat(clock.read().strip().replace("Z", "+00:00")).replace(tzinfo=None)


moto_utils.utcnow = simulated_utcnow

from moto.server import main  # noqa: E402  (after the clock is replaced)

sys.exit(main(sys.argv[1:]))
