"""A function whose downstream service is down (notebooks 00 and 03).

Every invocation raises, as a handler does when the mail server it calls does not answer —
unless the event says {"outage": false}. Asynchronous invocations of it are retried by Lambda.
"""


def lambda_handler(event, context):
    if event.get("outage", True):
        raise ConnectionError("mail server did not answer")
    print("mail server answered")
    return {"sent": True}
