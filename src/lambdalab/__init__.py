"""lambdalab: learn AWS Lambda asynchronous invocation on a laptop.

``lab = lambdalab.start()`` starts a local AWS cloud in this process (moto, plus a Lambda data
plane that runs your real handler, retries, dead-letter queues and destinations as AWS does),
points boto3, the AWS CLI and terraform at it, and returns the :class:`~lambdalab.cloud.Lab`.
"""

from lambdalab.cloud import Lab, current, start

__all__ = ["Lab", "current", "start", "__version__"]
__version__ = "0.1.0"
