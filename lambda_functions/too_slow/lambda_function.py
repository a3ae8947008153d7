"""Takes longer than its timeout (notebook 03): deployed with Timeout=1, it sleeps 3 s.

Lambda stops it after 1 s (errorType Sandbox.Timedout). A timeout is a function error, so
asynchronous invocations are retried like a raised exception.
"""

import time


def lambda_handler(event, context):
    print(f"starting; {context.get_remaining_time_in_millis()} ms left before the timeout")
    time.sleep(3)
    return {"finished": True}  # never reached with Timeout=1
