"""Returns an error-LOOKING value without raising (notebook 03).

For Lambda this is a successful invocation: only a raised exception (or a timeout, or a crash)
is a function error. So an asynchronous invocation of it is never retried.
"""


def lambda_handler(event, context):
    print("mail server down, but we only RETURN a 500")
    return {"statusCode": 500, "body": "mail server down"}
