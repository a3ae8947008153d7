"""SQS event source mappings: Lambda's third way of running a function.

Lambda polls the queue, invokes the function *synchronously* with a batch of messages, deletes
them on success and leaves failures to reappear when their visibility timeout ends
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). The function's own DLQ and
destinations play no part: the queue's ``RedrivePolicy`` decides where a poison message ends.

* :mod:`.config` — Create/UpdateEventSourceMapping parameters, AWS's validation and wording,
  the stored mapping and its states (pure);
* :mod:`.records` — AWS's SQS event record (pure);
* :mod:`.outcome` — what a batch's result means: delete all, none, or the partial batch
  response's successes (pure);
* :mod:`.filtering` — ``FilterCriteria`` (moto's EventBridge pattern matcher, reused);
* :mod:`.scaling` — how many batches a mapping may run at once, throttle back-off (pure);
* :mod:`.sqs` — the queue as the pollers see it, read from moto's SQS backend (I/O);
* :mod:`.service` — the pollers on the lab's clock (I/O through callbacks).
"""
