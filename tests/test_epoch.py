"""The epoch that keeps work begun before a reset out of the new cloud (lambdalab.epoch)."""

from __future__ import annotations

import threading
import time

from lambdalab.epoch import Epoch, GuardedSink


class Sink:
    def __init__(self):
        self.lines = []

    def put(self, group, stream, events):
        self.lines.extend(m for _, m in events)


def test_a_sink_made_before_a_reset_writes_nothing_after_it():
    epoch, sink = Epoch(), Sink()
    old = GuardedSink(sink, epoch)
    old.put("g", "s", [(0, "before")])
    with epoch.advancing():
        pass
    old.put("g", "s", [(0, "after")])
    GuardedSink(sink, epoch).put("g", "s", [(0, "new")])
    assert sink.lines == ["before", "new"]


def test_work_that_begins_during_a_reset_belongs_to_the_old_cloud():
    epoch, sink = Epoch(), Sink()
    with epoch.advancing() as new:
        racing = GuardedSink(sink, epoch)  # e.g. a request that was already being served
        assert not epoch.is_current(epoch.value)
    racing.put("g", "s", [(0, "late")])
    assert sink.lines == [] and epoch.value == new and racing.token != new


def test_a_reset_waits_for_a_write_under_way_and_a_write_waits_for_a_reset():
    epoch, order = Epoch(), []
    entered, release = threading.Event(), threading.Event()

    def slow_write():
        with epoch.writing(epoch.value) as current:
            assert current
            entered.set()
            release.wait(10)
            order.append("write done")

    writer = threading.Thread(target=slow_write)
    writer.start()
    entered.wait(10)

    def reset():
        with epoch.advancing():
            order.append("reset")

    resetter = threading.Thread(target=reset)
    resetter.start()
    time.sleep(0.1)  # give the reset a chance to (wrongly) run first
    release.set()
    writer.join(10)
    resetter.join(10)
    assert order == ["write done", "reset"]


def test_a_write_made_while_serving_a_request_does_not_wait_for_a_reset():
    epoch = Epoch()
    token = epoch.value
    with epoch.advancing():
        with epoch.writing(token, wait=False) as current:
            assert current is False
