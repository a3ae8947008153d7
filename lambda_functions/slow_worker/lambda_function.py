"""A job that takes WORK_SECONDS (1 s by default) — notebook 02 sends many at once to watch
the event queue, parallel execution environments and reserved concurrency.
"""

import os
import time

WORK_SECONDS = float(os.environ.get("WORK_SECONDS", "1"))


def lambda_handler(event, context):
    time.sleep(WORK_SECONDS)
    print(f"job {event['job']} done")
    return {"job": event["job"]}
