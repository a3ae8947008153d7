"""Sends the order-confirmation e-mail (notebook 01: synchronous vs asynchronous calls).

It only pretends to send: talking to a mail server takes a while, so the handler sleeps for
SEND_SECONDS (2 s by default) and then prints what it sent. The caller's experience is the
point: with RequestResponse it waits those 2 s, with Event it does not wait at all.
"""

import os
import time

SEND_SECONDS = float(os.environ.get("SEND_SECONDS", "2"))


def lambda_handler(event, context):
    order_id = event["order_id"]
    email = event["email"]  # read first: an order without an address fails at once
    time.sleep(SEND_SECONDS)  # stands in for the mail server's round trips
    print(f"order {order_id}: confirmation e-mail sent to {email}")
    return {"order_id": order_id, "email": "sent"}
