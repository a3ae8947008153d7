"""AsyncEvent and the X-Ray Lineage counter.

[AWS_BEHAVIOUR: async-request-id, recursion-lineage]
"""

from __future__ import annotations

from lambdalab.invoke import AsyncEvent, lineage_count, with_lineage

TRACE = "Root=1-5e34a614-10bdxmplf1fb44f07bc535a1;Parent=07f5xmpl2d1f6f85;Sampled=1"


def test_event_defaults_and_qualified_arn():
    ev = AsyncEvent("fn", b"{}", function_arn="arn:aws:lambda:r:1:function:fn")
    other = AsyncEvent("fn", b"{}")
    assert ev.qualified_arn == "arn:aws:lambda:r:1:function:fn:$LATEST"
    assert ev.request_id != other.request_id and len(ev.request_id) == 36
    assert (ev.attempts, ev.lineage, ev.enqueued_at) == (0, 0, None)


def test_s5_2_lineage_round_trip():
    assert lineage_count(None) == 0
    assert lineage_count(TRACE) == 0
    header = with_lineage(TRACE, 5, salt="fn")
    assert header.startswith(TRACE + ";Lineage=")
    assert lineage_count(header) == 5
    assert lineage_count(with_lineage(header, 6)) == 6
    assert with_lineage(header, 6).count("Lineage=") == 1
