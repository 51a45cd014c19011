"""Timing, kept dumb on purpose (APScheduler 3 cannot take an injected clock): one periodic tick will
ask the database what is due at the clock's `now` and write it to an outbox; a sender will deliver
each outbox message exactly once. Nothing is scheduled yet: the intake needs no proactive messages."""
