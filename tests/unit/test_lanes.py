"""Work after the acknowledgement: one person's requests in order, other people's alongside, and a
wait for Slack's Retry-After that holds no thread."""

from __future__ import annotations

import threading

from handlers.lanes import FakeTimer, Lanes


def test_one_persons_jobs_run_in_order_and_others_run_alongside() -> None:
    lanes = Lanes(workers=2)
    gate, done = threading.Event(), []
    lanes.submit("anna", lambda: (gate.wait(5), done.append("anna 1")))
    lanes.submit("anna", lambda: done.append("anna 2"))
    lanes.submit("bob", lambda: done.append("bob 1"))  # runs while anna's first job waits

    assert lanes.drain(timeout=0.3) is False
    assert done == ["bob 1"]
    gate.set()
    assert lanes.drain()
    assert done == ["bob 1", "anna 1", "anna 2"]
    lanes.close()


def test_a_held_lane_waits_its_time_and_then_goes_first_while_others_go_on() -> None:
    timer = FakeTimer()
    lanes = Lanes(workers=1, timer=timer)
    done: list[str] = []

    def rate_limited() -> None:
        done.append("anna: 429")
        lanes.hold(30, lambda: done.append("anna: sent"))

    lanes.submit("anna", rate_limited)
    lanes.submit("anna", lambda: done.append("anna: next"))
    lanes.submit("bob", lambda: done.append("bob"))
    assert lanes.drain(timeout=0.5) is False  # anna waits; the one worker served bob meanwhile
    assert done == ["anna: 429", "bob"]
    assert lanes.waiting() == 1

    timer.advance(29)
    assert lanes.drain(timeout=0.2) is False
    timer.advance(1)
    assert lanes.drain()
    assert done == ["anna: 429", "bob", "anna: sent", "anna: next"]
    lanes.close()


def test_a_full_queue_says_no_instead_of_growing() -> None:
    lanes = Lanes(workers=1, max_queued=2)
    gate = threading.Event()
    assert lanes.submit("a", lambda: gate.wait(5))
    assert lanes.drain(timeout=0.1) is False  # the first job is running, not queued
    assert lanes.submit("a", lambda: None)
    assert lanes.submit("b", lambda: None)
    assert lanes.submit("c", lambda: None) is False
    gate.set()
    assert lanes.drain()
    lanes.close()


def test_a_failing_job_does_not_stop_its_lane() -> None:
    lanes = Lanes(workers=1)
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    lanes.submit("anna", broken)
    lanes.submit("anna", lambda: done.append("after"))
    assert lanes.drain()
    assert done == ["after"]
    lanes.close()
