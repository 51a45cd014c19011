"""How does ruilbot hold up when many people talk to it at once? Prints figures; asserts nothing timed.

N simulated people (20, 100 and 300 by default) go through the whole Managersruil intake at once:
`/ruil`, twelve typed answers and 'ja', each sent as a signed HTTP request to a real `ruilbot serve`
process, with a local stand-in for Slack's Web API in its own process. In the same run the same
people send the same number of DMs to a bare bolt app that only echoes them (bench/echo_app.py): the
framework's ceiling on this machine. For each run it prints:

- answers per second at saturation (no think time), and the ratio to the echo app;
- reply latency p50/p95/p99 (request sent -> the bot's reply reaches Slack) with people who take
  `--think` seconds (uniform) to read and type, and acknowledgements that took over 3 s;
- CPU seconds of the server process per answer, and its peak memory;
- whether every stored answer equals what the person sent.

Run: `make bench-load` (or .venv/bin/python bench/load.py --help). `--ruilbot before=PATH` adds
another build of the bot (an older checkout's .venv/bin/ruilbot), for before/after figures in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import multiprocessing as mp
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bot import engine  # noqa: E402
from bot.clock import AMSTERDAM  # noqa: E402
from bot.dialogues.managersruil import INTAKE  # noqa: E402
from storage.database import normalise_url  # noqa: E402
from tests.samples import ANSWERS  # noqa: E402
from tests.slack_signing import dm_message_event, sign, slash_command  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-test-token"
TURNS = [*ANSWERS, "ja"]  # twelve answers and the confirmation
ACK_LIMIT = 3.0  # seconds: Slack gives up on an acknowledgement after this
REPLY_TIMEOUT = 60.0


# -- the Slack stand-in, in a process of its own -----------------------------------------------


def _standin(pipe: Connection) -> None:
    """Serve the stand-in; report each post and response_url call as (where, monotonic time)."""
    from tests.slack_standin import RESPONSE_URL_METHOD, SlackStandIn, dm_channel_id

    lock = threading.Lock()

    def report(call: Any) -> None:
        if call.status != 200:
            return
        if call.method == "chat.postMessage":
            where = str(call.args.get("channel", ""))
            where = dm_channel_id(where) if where[:1] in ("U", "W") else where
        elif call.method == RESPONSE_URL_METHOD:
            where = "response:" + str(call.args.get("_key"))
        else:
            return
        with lock:
            pipe.send((where, time.monotonic()))

    with SlackStandIn(TOKEN) as slack:
        slack.subscribe(report)
        pipe.send(slack.url)
        while pipe.recv() != "stop":  # the parent asks for calls to be forgotten, or to stop
            slack.clear()


class Inbox:
    """Who got a message, and when: fed by the stand-in process, waited on per person."""

    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe
        self._lock = threading.Lock()
        # One condition per place, on one lock: a message wakes only whoever waits for that place.
        # (One condition for all woke all 300 people on every message: the driver then used more
        # CPU than the bot it measured, on the same two cores.)
        self._waits: dict[str, threading.Condition] = {}
        self._arrived: dict[str, list[float]] = defaultdict(list)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                where, at = self._pipe.recv()
                with self._lock:
                    self._arrived[where].append(at)
                    if where in self._waits:
                        self._waits[where].notify_all()

    def count(self, where: str) -> int:
        with self._lock:
            return len(self._arrived[where])

    def wait(self, where: str, count: int, timeout: float = REPLY_TIMEOUT) -> float | None:
        """The arrival time of the `count`-th message at `where`; None if it did not come in time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            condition = self._waits.setdefault(where, threading.Condition(self._lock))
            while len(self._arrived[where]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                condition.wait(left)
            return self._arrived[where][count - 1]


# -- the server under test ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def _pids(self) -> list[int]:
        """The server and its child processes (PROCESSES=N forks N of them)."""
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def cpu(self) -> float:
        """User plus system CPU seconds of the server's processes so far."""
        total = 0
        for pid in self._pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def peak_memory_mb(self) -> float:
        """The peak resident memory of the server's processes, added up."""
        total = 0
        for pid in self._pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(command: list[str], env: dict[str, str], port: int) -> Server:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    url = f"http://127.0.0.1:{port}/slack/events"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} stopped: {(process.stderr or b'').read().decode()[-2000:]}")  # type: ignore[union-attr]
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return Server(process, url)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start listening on port {port}")


# -- simulated people ----------------------------------------------------------------------------


@dataclass
class Tally:
    acks: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    answers: int = 0
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ack: float, reply: float | None) -> None:
        with self.lock:
            self.acks.append(ack)
            if reply is None:
                self.lost += 1
            else:
                self.replies.append(reply)
                self.answers += 1


class Sender:
    """One person's keep-alive connection to the server, sending signed requests."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._host, self._port, self._path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self._connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes, content_type: str) -> int:
        now = int(time.time())
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": sign(SECRET, body, now),
        }
        for attempt in range(2):  # a kept-alive connection the server closed: open a new one
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=REPLY_TIMEOUT)
            try:
                self._connection.request("POST", self._path, body=body, headers=headers)
                response = self._connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self._connection.close()
                self._connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def person(
    url: str,
    user: str,
    inbox: Inbox,
    tally: Tally,
    think: float,
    seed: int,
    echo: bool,
    start: threading.Barrier,
) -> None:
    rng = random.Random(seed)
    sender = Sender(url)
    channel = "D" + user[1:]
    start.wait()
    if not echo:  # `/ruil managersruil` opens the DM with the first question
        key = f"{user}-ruil"
        body, content_type = slash_command(
            "/ruil", START_TEXT, user, response_url=f"{STANDIN_URL}/response/{key}"
        )
        sent = time.monotonic()
        sender.post(body, content_type)
        tally.acks.append(time.monotonic() - sent)
        if inbox.wait(channel, 1) is None:
            tally.lost += 1
            return
        # The consent question comes before the first question; agreeing is not a measured turn (an
        # older build without it reads 'akkoord' as an answer it is unsure of, and asks again).
        body, content_type = dm_message_event(user, "akkoord", event_id=f"Ev{user}000")
        sender.post(body, content_type)
        if inbox.wait(channel, 2) is None:
            tally.lost += 1
            return
    for number, answer in enumerate(TURNS, start=1):
        if think:
            time.sleep(rng.uniform(think / 2, think * 1.5))
        seen = inbox.count(channel)
        body, content_type = dm_message_event(user, answer, event_id=f"Ev{user}{number:03d}")
        sent = time.monotonic()
        sender.post(body, content_type)
        acked = time.monotonic() - sent
        arrived = inbox.wait(channel, seen + 1)
        tally.add(acked, None if arrived is None else arrived - sent)
        if arrived is None:
            return


STANDIN_URL = ""
START_TEXT = "managersruil"  # what follows /ruil to start the intake (older builds: nothing)


@dataclass
class Result:
    label: str
    people: int
    seconds: float
    tally: Tally
    cpu: float
    memory_mb: float

    @property
    def rate(self) -> float:
        return self.tally.answers / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_answer(self) -> float:
        """Milliseconds of the server's CPU per answer."""
        return self.cpu / self.tally.answers * 1000 if self.tally.answers else float("nan")


def drive(
    label: str, server: Server, people: int, inbox: Inbox, think: float, echo: bool, tag: str
) -> Result:
    tally = Tally()
    users = [f"U{tag}{n:05d}" for n in range(people)]
    barrier = threading.Barrier(people + 1)
    threads = [
        threading.Thread(
            target=person, args=(server.url, u, inbox, tally, think, n, echo, barrier), daemon=True
        )
        for n, u in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    cpu_before = server.cpu()
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    return Result(label, people, seconds, tally, server.cpu() - cpu_before, server.peak_memory_mb())


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def verify(database_url: str, tag: str, people: int) -> tuple[int, int]:
    """(intakes whose stored answers equal what was sent, intakes expected)."""
    state = engine.start(INTAKE)
    today = datetime.now(AMSTERDAM).date()
    for answer in ANSWERS:
        outcome = engine.submit(INTAKE, state, answer, today)
        assert isinstance(outcome, engine.Accepted), f"the sample answer {answer!r} is refused"
        state = outcome.state
    expected = dict(state.answers)
    db = create_engine(normalise_url(database_url))
    with db.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT i.answers, i.status FROM intakes i JOIN participants p ON p.id = i.participant_id "
                "WHERE p.external_id LIKE :tag"
            ),
            {"tag": f"U{tag}%"},
        ).all()
    db.dispose()
    good = 0
    for answers, status in rows:
        stored = answers if isinstance(answers, dict) else __import__("json").loads(answers)
        good += stored == expected and status == "confirmed"
    return good, people


# -- the run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", default="20,100,300", help="comma-separated crowd sizes")
    parser.add_argument("--database", action="append", help="database URL(s); default: SQLite and PostgreSQL")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a person takes per answer")
    parser.add_argument(
        "--ruilbot",
        action="append",
        metavar="NAME=PATH[=START]",
        help="a bot to bench (repeat to compare builds side by side), and what follows /ruil to start "
        "the intake (default 'managersruil'; give an empty START for builds before programme names); "
        "default: now=.venv/bin/ruilbot",
    )
    parser.add_argument("--workers", default=None, help="WORKERS for the bot (default: its own)")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo app")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of all runs, interleaved; with more than one, the medians follow (this machine's "
        "noise moves one run's figures by 10-15%%)",
    )
    args = parser.parse_args()
    crowds = [int(n) for n in args.people.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="ruilbot-load-"))
    databases = args.database or [f"sqlite:///{tmp / 'load.sqlite3'}", _postgres()]

    parent, child = mp.Pipe()
    standin = mp.get_context("fork").Process(target=_standin, args=(child,), daemon=True)
    standin.start()
    global STANDIN_URL, START_TEXT
    STANDIN_URL = parent.recv()
    inbox = Inbox(parent)
    env = {
        **os.environ,
        "SLACK_API_URL": f"{STANDIN_URL}/api/",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "LOG_LEVEL": "ERROR",
    }
    if args.workers:
        env["WORKERS"] = args.workers
    bots = [
        (*b.split("=", 2), "managersruil")[:3]
        for b in args.ruilbot or [f"now={ROOT / '.venv' / 'bin' / 'ruilbot'}"]
    ]
    for name, path, start_text in bots:
        print(f"{name}: {path} (started with '/ruil {start_text}')")
    print(f"people think {args.think / 2:.1f}-{args.think * 1.5:.1f} s per answer where they think")
    print(
        f"{'run':<34}{'people':>7}{'ans/s':>8}{'ratio':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
        f"{'ack>3s':>7}{'lost':>6}{'cpu/ans':>9}{'mem MB':>8}{'stored ok':>11}"
    )
    runs = 0
    seen: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)  # rate, cpu per answer
    for crowd, _round in itertools.product(crowds, range(args.repeat)):
        echo_rate = None
        if not args.no_echo:
            port = _free_port()
            echo = start([sys.executable, str(ROOT / "bench" / "echo_app.py"), str(port)], env, port)
            try:
                result = drive("echo (bolt ceiling), no think", echo, crowd, inbox, 0.0, True, f"E{runs}")
            finally:
                echo.stop()
            echo_rate = result.rate
            _print(result, None, "-")
            seen[result.label, crowd].append((result.rate, result.cpu_per_answer))
            runs += 1
        for (name, ruilbot, start_text), database, think in itertools.product(
            bots, databases, (0.0, args.think)
        ):
            START_TEXT = start_text
            kind = "postgresql" if database.startswith("postgres") else "sqlite"
            _prepare(database, ruilbot, env)
            port = _free_port()
            server = start([ruilbot, "serve"], {**env, "DATABASE_URL": database, "PORT": str(port)}, port)
            tag = f"L{runs}X"
            try:
                label = f"{name} {kind}, " + ("no think" if not think else f"think {think:g}s")
                result = drive(label, server, crowd, inbox, think, False, tag)
            finally:
                server.stop()
            good, expected = verify(database, tag, crowd)
            _print(result, echo_rate if not think else None, f"{good}/{expected}")
            seen[result.label, crowd].append((result.rate, result.cpu_per_answer))
            runs += 1
    if args.repeat > 1:
        _medians(seen, args.repeat)
    parent.send("stop")


def _print(result: Result, echo_rate: float | None, stored: str) -> None:
    tally = result.tally
    ratio = f"{result.rate / echo_rate:.2f}" if echo_rate else "-"
    over = sum(a > ACK_LIMIT for a in tally.acks)
    cpu = result.cpu_per_answer
    print(
        f"{result.label:<34}{result.people:>7}{result.rate:>8.1f}{ratio:>7}"
        f"{percentile(tally.replies, 50):>7.2f}{percentile(tally.replies, 95):>7.2f}"
        f"{percentile(tally.replies, 99):>7.2f}{over:>7}{tally.lost:>6}{cpu:>7.1f}ms"
        f"{result.memory_mb:>8.0f}{stored:>11}",
        flush=True,
    )


def _medians(seen: dict[tuple[str, int], list[tuple[float, float]]], rounds: int) -> None:
    """Each run's median over the rounds; the ratio is that of the medians to the echo app's."""
    print(f"\nmedians of {rounds} rounds")
    print(f"{'run':<34}{'people':>7}{'ans/s':>8}{'ratio':>7}{'cpu/ans':>9}")
    for (label, people), figures in seen.items():
        rate = statistics.median(r for r, _ in figures)
        echo = seen.get(("echo (bolt ceiling), no think", people))
        ratio = "-"
        if echo and not label.startswith("echo") and "no think" in label:
            ratio = f"{rate / statistics.median(r for r, _ in echo):.2f}"
        cpu = statistics.median(c for _, c in figures)
        print(f"{label:<34}{people:>7}{rate:>8.1f}{ratio:>7}{cpu:>7.1f}ms", flush=True)


def _prepare(database: str, ruilbot: str, env: dict[str, str]) -> None:
    """An empty, current schema for the run."""
    url = normalise_url(database)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    else:  # the bench's own database: start from an empty schema
        db = create_engine(url)
        with db.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.dispose()
    subprocess.run(  # noqa: S603 - our own command
        [ruilbot, "db", "upgrade"],
        env={**env, "DATABASE_URL": database},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _postgres() -> str:
    """A database of the bench's own on the local server (created if missing)."""
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ruilbot_bench")
    admin = create_engine(normalise_url(url.rsplit("/", 1)[0] + "/postgres"), isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


if __name__ == "__main__":
    main()
