"""Order worker (notebook 05): one handler for the three ways Lambda runs a function.

A direct Invoke (synchronous or asynchronous) passes one order as the event. An SQS event source
mapping passes a batch: {"Records": [...]}, each record's body being one order as JSON.
An order without an e-mail address is a failure. With REPORT_FAILURES=1 the handler reports
the failed messages as a partial batch response instead of raising, so Lambda deletes the
others (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
SLEEP_SECONDS makes each order take that long (for the visibility timeout lesson).
"""

import json
import os
import time


def send_confirmation(order):
    if not order.get("email"):
        raise ValueError(f"order {order['order_id']} has no e-mail address")
    time.sleep(float(os.environ.get("SLEEP_SECONDS", "0")))
    print(f"confirmation sent for order {order['order_id']}")


def lambda_handler(event, context):
    if "Records" not in event:  # invoked directly
        send_confirmation(event)
        return {"sent": event["order_id"]}
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        try:
            send_confirmation(order)
        except ValueError as error:
            if os.environ.get("REPORT_FAILURES") != "1":
                raise  # the whole batch fails
            print(f"{error} (message {record['messageId']} reported as failed)")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
