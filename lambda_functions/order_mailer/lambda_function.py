"""Sends the "thank you for your order" e-mail (notebook 04).

It only pretends to send: it prints what it would send and returns a small receipt. An order
without an e-mail address raises, so the asynchronous invocation fails, is retried and finally
ends up in the dead-letter queue or the on-failure destination.
"""

import json


def lambda_handler(event, context):
    order_id = event.get("order_id")
    email = event.get("email")
    if not email:
        raise ValueError(f"order {order_id} has no e-mail address")
    print(json.dumps({"sending": "order-confirmation", "order_id": order_id, "to": email}))
    return {"order_id": order_id, "sent_to": email}
