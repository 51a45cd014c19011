"""Timing, kept dumb on purpose (APScheduler 3 cannot take an injected clock): one periodic tick asks
the database what is due at the clock's `now` and writes it to the outbox (`tick`); a sender delivers
each outbox message exactly once (`sender`); `runner` wires both to APScheduler and a thread."""
