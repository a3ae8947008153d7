"""What every moto adapter shares: the running data plane, and AWS errors in moto's terms.

The adapters run inside moto's request handling. They reach the lab through the data plane the
running lab registers here (none when moto is used on its own, e.g. a learner's ``mock_aws``
test in the same kernel: then moto behaves as moto). Lab code raises
:class:`lambdalab.awserror.AwsError`; only this module turns it into what moto's response
layer serialises.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import unquote

from lambdalab.awserror import AwsError

_dataplane: Any = None


def set_dataplane(dataplane: Any) -> None:
    global _dataplane
    _dataplane = dataplane


def dataplane() -> Any:
    """The running lab's data plane, or None when moto runs without a lab."""
    return _dataplane


def running_dataplane() -> Any:
    """The running lab's data plane (Lambda's ServiceException when there is none)."""
    if _dataplane is None:
        raise to_moto(AwsError("ServiceException", "The lambdalab data plane is not running.", 500))
    return _dataplane


def record_of(fn: Any) -> Any:
    """The lab's :class:`~lambdalab.functions.FunctionRecord` of a moto function (None
    without a lab)."""
    if _dataplane is None:
        return None
    return _dataplane.functions.of(unqualified_arn(fn), fn.function_name)


def unqualified_arn(fn: Any) -> str:
    return f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"


def function_name_from_path(path: str) -> str:
    """The function named in a Lambda REST path (``/2015-03-31/functions/<name>/…``)."""
    return unquote(path.split("/functions/", 1)[1].split("/")[0])


FUNCTION_NAME_ROUTE = r"(?P<function_name>[\w_:%-]+)"
# ``$`` written as \x24: moto's Flask routing drops every literal "$" from a route
QUALIFIED_FUNCTION_NAME_ROUTE = r"(?P<function_name>[\w_:%\x24-]+)"


def routes_accepting_latest(url_paths: dict[str, Any]) -> dict[str, Any]:
    """moto's Lambda routes with ``$`` allowed in the function name.

    ``FunctionName="name:$LATEST"`` arrives as ``/functions/name:$LATEST/…`` (the server sees
    the path decoded); moto's routes allow only word characters, ``:``, ``%`` and ``-``, so
    Flask answered with its HTML 404 page. Only the function-name part of each route changes.
    """
    return {
        path.replace(FUNCTION_NAME_ROUTE, QUALIFIED_FUNCTION_NAME_ROUTE): handler
        for path, handler in url_paths.items()
    }


# -- errors -----------------------------------------------------------------------------------


def to_moto(err: AwsError) -> Exception:
    """A JSON error moto's response layer sends in the addressed service's format."""
    from moto.core.exceptions import JsonRESTError

    moto_error = JsonRESTError(err.code, err.message)
    moto_error.code = err.status
    if err.fields:
        body = {"__type": err.code, "message": err.message, **err.fields}
        moto_error.description = json.dumps(body)
    return moto_error


def to_s3_response(err: AwsError) -> NoReturn:
    """Raise S3's XML error for ``err`` (moto's S3 layer would drop the extra fields)."""
    from lambdalab import wire

    raise_response(*wire.s3_error(err.code, err.message, err.status, extra=err.fields))


def lab_call(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run lab code for moto, turning its AwsError into moto's."""
    try:
        return call(*args, **kwargs)
    except AwsError as err:
        raise to_moto(err) from None


def aws_errors_only(handler: Any) -> Any:
    """A moto response handler that answers only in AWS's terms: an AwsError as the service's
    error, and a bug in the lab as Lambda's ``ServiceException`` (500) with a pointer to the
    server log — never an HTML page, never a traceback in the learner's notebook."""
    from werkzeug.exceptions import HTTPException

    @functools.wraps(handler)
    def guarded(self: Any) -> Any:
        try:
            return handler(self)
        except AwsError as err:
            raise to_moto(err) from None
        except HTTPException:
            raise  # moto's own AWS-shaped errors
        except Exception:
            logging.getLogger("lambdalab").exception("internal error in %s", handler.__name__)
            raise to_moto(
                AwsError(
                    "ServiceException",
                    "lambdalab hit an internal error; details are in lab.server_log.",
                    500,
                )
            ) from None

    return guarded


def refuse(service: Any, failure: str, method: str) -> NoReturn:
    """Answer with one of the gate's AWS-shaped refusals from inside moto.

    moto's query/JSON dispatch turns an ``HTTPException`` into (description, code); Flask, for
    S3, sends its ``response`` as is — the one raised serves both.
    """
    from lambdalab import gate

    refused = gate.refusal(service, failure, method)
    raise_response(refused.status, refused.headers, refused.body)


def raise_response(status: int, headers: list[tuple[str, str]], body: bytes) -> NoReturn:
    """Raise a ready AWS-shaped answer through moto (see :func:`refuse`); the lab's server
    sends it as is, headers included."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Response

    from lambdalab.server import answer_instead

    answer_instead(status, headers, body)
    error = HTTPException(
        description=body.decode(), response=Response(body, status=status, headers=headers)
    )
    error.code = status
    raise error
