"""Work after the acknowledgement: one person's requests in order, other people's alongside, and a
wait for Slack's Retry-After that holds no thread. Jobs signal what they did; nothing here is timed."""

from __future__ import annotations

import threading

from handlers.lanes import FakeTimer, Lanes

WAIT = 10.0  # seconds: an upper bound for a busy machine, not a measurement


def test_one_persons_jobs_run_in_order_and_others_run_alongside() -> None:
    lanes = Lanes(workers=2)
    gate, bob_done, done = threading.Event(), threading.Event(), []
    lanes.submit("anna", lambda: (gate.wait(WAIT), done.append("anna 1")))
    lanes.submit("anna", lambda: done.append("anna 2"))
    lanes.submit("bob", lambda: (done.append("bob 1"), bob_done.set()))

    assert bob_done.wait(WAIT)  # bob's job ran while anna's first still waits
    assert done == ["bob 1"]
    gate.set()
    assert lanes.drain(WAIT)
    assert done == ["bob 1", "anna 1", "anna 2"]
    lanes.close()


def test_a_held_lane_waits_its_time_and_then_goes_first_while_others_go_on() -> None:
    timer = FakeTimer()
    lanes = Lanes(workers=1, timer=timer)
    done: list[str] = []
    bob_done, sent = threading.Event(), threading.Event()

    def rate_limited() -> None:
        done.append("anna: 429")
        lanes.hold(30, lambda: (done.append("anna: sent"), sent.set()))

    lanes.submit("anna", rate_limited)
    lanes.submit("anna", lambda: done.append("anna: next"))
    lanes.submit("bob", lambda: (done.append("bob"), bob_done.set()))
    assert bob_done.wait(WAIT)  # the one worker served bob while anna waits
    assert done == ["anna: 429", "bob"]
    assert lanes.waiting() == 1

    timer.advance(29)
    assert not sent.wait(0.2)  # not yet: Slack asked for 30 seconds
    timer.advance(1)
    assert sent.wait(WAIT)
    assert lanes.drain(WAIT)
    assert done == ["anna: 429", "bob", "anna: sent", "anna: next"]
    lanes.close()


def test_a_full_queue_says_no_instead_of_growing() -> None:
    lanes = Lanes(workers=1, max_queued=2)
    gate, running = threading.Event(), threading.Event()
    assert lanes.submit("a", lambda: (running.set(), gate.wait(WAIT)))
    assert running.wait(WAIT)  # the first job is running, no longer queued
    assert lanes.submit("a", lambda: None)
    assert lanes.submit("b", lambda: None)
    assert lanes.submit("c", lambda: None) is False
    gate.set()
    assert lanes.drain(WAIT)
    lanes.close()


def test_a_failing_job_does_not_stop_its_lane() -> None:
    lanes = Lanes(workers=1)
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    lanes.submit("anna", broken)
    lanes.submit("anna", lambda: done.append("after"))
    assert lanes.drain(WAIT)
    assert done == ["after"]
    lanes.close()
