"""Registrations to and from a spreadsheet (CSV): `ruilbot import` and `ruilbot export`.

Programmes took registrations by email before the bot existed, and keep them in a spreadsheet. The
file has a header row: `slack_user`, then the question ids of one dialogue, in any order; `status`
and `match` (what the export will add later) are read and ignored. Each further row is one person,
the answers written as a person would type them in the conversation, several answers to one question
separated by `;`.

Every row passes the conversation's own reading and validation, question by question through the
engine (`engine.answer`, `engine.skip`, the questions' conditions and endings): a question that does
not apply to the row's answers must be empty, a required one that applies must be filled, an empty
optional one counts as skipped. A file with any bad row is refused as a whole, every problem named
by its line number; the good rows are then not imported either.

What real spreadsheets do, and how this reads it:
- Excel's UTF-8 byte order mark is dropped; a file that is not UTF-8 is read as Windows-1252 (what
  Excel's plain "CSV" still writes on Windows).
- The delimiter is what separates the names in the header row: `,`, `;` (Dutch Excel) or a tab. The
  names themselves never contain one, so this cannot guess wrong. In a `;`-delimited file, a cell that
  holds several answers has its own `;` inside quotes, as Excel writes it ("FIN;BZK"); a `,` between
  answers works there too, as it does in the conversation.
- Blank rows are skipped; spaces around a cell and a column name are dropped; column names are not
  case-sensitive.
- Unknown, missing or repeated columns refuse the file at line 1 (a typo would otherwise lose a
  whole column of answers). A column without a name is ignored while it stays empty (Excel saves
  formatted empty columns as trailing delimiters).
- `slack_user` is a Slack member id (`U012AB3CDE`, or `W...` on Enterprise Grid; `<@U012AB3CDE>` as
  Slack writes a mention is read too); one row per person.
- At most MAX_ROWS rows and MAX_BYTES bytes: a programme has tens of participants, not thousands.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot import engine
from bot.dialogues.model import Dialogue, Question, choices_of
from bot.engine import Accepted, Ended, Message, Refused, Unsure, Value
from bot.i18n import DEFAULT_LOCALE, Translator
from bot.parsing import clean
from bot.ports import UnitOfWork
from bot.presenter import Presenter
from bot.records import Intake, IntakeStatus

SLACK_USER = "slack_user"
IGNORED = ("status", "match")  # trailing columns of a later export: accepted, not read
MAX_ROWS = 2000
MAX_BYTES = 2_000_000
PLATFORM = "slack"
DELIMITERS = (",", ";", "\t")
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{5,20}")
_MENTION = re.compile(r"<@([A-Za-z0-9]+)(?:\|[^>]*)?>")
_MULTI_JOIN = "; "
EXCEL_ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark: Excel then shows 'Financiën' right


@dataclass(frozen=True)
class Problem:
    """What is wrong with a file, at a line (1 is the header), already in the reader's language."""

    line: int
    text: str


@dataclass(frozen=True)
class Row:
    """One person's answers, as stored by the conversation (choice values, ISO dates, None for a skip)."""

    slack_user: str
    answers: Mapping[str, Value]
    line: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)  # the export's trailing columns, if any


class FileRefused(Exception):
    """The file is refused as a whole; nothing was stored."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = tuple(sorted(problems, key=lambda p: p.line))


# ---- reading a file --------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's byte order mark), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(text: str, dialogue: Dialogue, today: date, locale: str = DEFAULT_LOCALE) -> list[Row]:
    """Every row of a file as answers the conversation would have stored; raises FileRefused with
    every problem found (in `locale`) if any row or the header is bad."""
    say = _Say(locale)
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise FileRefused([Problem(1, say("spreadsheet.too_big_bytes", max=MAX_BYTES // 1_000_000))])
    text = text.removeprefix("\ufeff")
    records = _records(text)
    header = next((r for r in records if any(c.strip() for c in r[1])), None)  # past blank lines
    if header is None:
        raise FileRefused([Problem(1, say("spreadsheet.empty"))])
    line, names = header
    columns = [n.replace("\ufeff", "").strip().lower() for n in names]
    _check_header(dialogue, columns, line, say)
    problems: list[Problem] = []
    rows: list[Row] = []
    first_line: dict[str, int] = {}
    count = 0
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # a blank row
        count += 1
        if count > MAX_ROWS:
            raise FileRefused([*problems, Problem(line, say("spreadsheet.too_many_rows", max=MAX_ROWS))])
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            problems.append(
                Problem(line, say("spreadsheet.too_many_cells", n=len(cells), columns=len(columns)))
            )
            continue
        given = {name: _live(clean(cell).strip()) for name, cell in zip(columns, cells, strict=False) if name}
        unnamed = [
            n
            for n, (name, cell) in enumerate(zip(columns, cells, strict=False), 1)
            if not name and cell.strip()
        ]
        if unnamed:
            problems.append(Problem(line, say("spreadsheet.unnamed_cell", column=unnamed[0])))
            continue
        wrong: list[str] = []
        user = slack_id(given.get(SLACK_USER, ""))
        if user is None:
            wrong.append(say("spreadsheet.bad_slack_user", value=given.get(SLACK_USER, "")))
        elif user in first_line:
            wrong.append(say("spreadsheet.duplicate_user", user=user, first=first_line[user]))
        else:
            first_line[user] = line
        answers, invalid = _answers(dialogue, given, today, say)
        wrong.extend(invalid)
        problems.extend(Problem(line, reason) for reason in wrong)
        if not wrong and user is not None:
            rows.append(Row(user, answers, line))
    if problems:
        raise FileRefused(problems)
    return rows


def slack_id(text: str) -> str | None:
    """A Slack member id from a cell: 'U012AB3CDE', 'u012ab3cde' or a mention '<@U012AB3CDE|ann>'."""
    text = text.strip().removeprefix("@")
    if (mention := _MENTION.fullmatch(text)) is not None:
        text = mention.group(1)
    text = text.upper()
    return text if _SLACK_ID.fullmatch(text) else None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its cells); a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _delimiter(text: str) -> str:
    """What separates the header's names (which never contain one): ',', ';' or a tab."""
    header = next((ln for ln in text.splitlines() if ln.strip()), "")
    return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _check_header(dialogue: Dialogue, columns: list[str], line: int, say: _Say) -> None:
    questions = [q.id for q in dialogue.questions]
    known = {SLACK_USER, *questions, *IGNORED}
    problems: list[str] = []
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(say("spreadsheet.repeated_columns", columns=", ".join(repeated)))
    unknown = [c for c in columns if c and c not in known]  # unnamed: Excel's empty columns, see below
    if unknown:
        problems.append(
            say("spreadsheet.unknown_columns", columns=", ".join(unknown), known=", ".join(questions))
        )
    missing = [c for c in (SLACK_USER, *questions) if c not in columns]
    if missing:
        problems.append(say("spreadsheet.missing_columns", columns=", ".join(missing)))
    if problems:
        raise FileRefused([Problem(line, p) for p in problems])


def _answers(
    dialogue: Dialogue, given: Mapping[str, str], today: date, say: _Say
) -> tuple[dict[str, Value], list[str]]:
    """The row as the conversation would take it, question by question in the dialogue's order (a
    condition only looks back); every problem in the row, or none."""
    state = engine.State(answers={}, current=None)
    wrong: list[str] = []
    empty: list[str] = []
    failed: set[str] = set()  # refused answers: whether a later question applies is then unknown
    for question in dialogue.questions:
        cell = given.get(question.id, "")
        if question.when is not None and question.when.names() & failed:
            failed.add(question.id)
            continue
        if not engine.applies(question, state.answers):
            if cell:
                wrong.append(say("spreadsheet.not_asked", column=question.id))
            continue
        if not cell:
            if question.optional:
                state = _settled(engine.skip(dialogue, state, question.id, today), state)
            else:
                empty.append(question.id)
            continue
        outcome = engine.answer(dialogue, state, question.id, cell, today)
        match outcome:
            case Refused(error=error):
                wrong.append(say("spreadsheet.column", column=question.id, reason=say.message(error)))
                failed.add(question.id)
            case Unsure(state=unsure):
                options = say.options(question, unsure.suggestion)
                wrong.append(say("spreadsheet.unsure", column=question.id, answer=cell, options=options))
                failed.add(question.id)
            case Accepted() | Ended():
                state = outcome.state
    if empty:  # one line for them all: a row that is mostly empty says so once
        wrong.append(say("spreadsheet.required", columns=", ".join(empty)))
    if wrong:
        return {}, wrong
    verdict = engine.outcome(dialogue, state.answers)
    if verdict is not None:  # an ending (say, "not eligible") cannot be a confirmed registration
        reasons = " ".join(say.message(r) for r in verdict.reasons)
        return {}, [say("spreadsheet.ended", text=say.t.t(verdict.ending.text), reasons=reasons).strip()]
    if not engine.is_complete(dialogue, state.answers):  # a guard: the loop above asks everything
        return {}, [say("spreadsheet.incomplete")]
    return dict(state.answers), []


def _settled(outcome: engine.Outcome, before: engine.State) -> engine.State:
    return outcome.state if isinstance(outcome, Accepted | Ended) else before


class _Say:
    """Catalogue texts in the reader's language, as plain text (a terminal, a CSV, a Slack file)."""

    def __init__(self, locale: str) -> None:
        self.t = Translator(locale)
        self._show = Presenter(self.t, console=True)

    def __call__(self, key: str, **params: object) -> str:
        return str(self.t.t(key, **params))

    def message(self, message: Message) -> str:
        return str(self._show.say(message))

    def options(self, question: Question, values: Sequence[str]) -> str:
        labels = {c.value: c.label for c in choices_of(question)}
        return " / ".join(self.t.t(labels[v]) for v in values if v in labels)


# ---- storing -----------------------------------------------------------------------------------


def store(
    uow: UnitOfWork,
    dialogue: Dialogue,
    rows: Sequence[Row],
    now: datetime,
    *,
    replace_existing: bool = False,
    locale: str = DEFAULT_LOCALE,
) -> int:
    """Store `rows` as confirmed intakes of `dialogue` in the caller's unit of work (not committed
    here). A person who already has a confirmed intake of it, or one under way, is refused unless
    `replace_existing`: then that intake takes the imported answers. Raises FileRefused (nothing
    should be committed) if anyone is refused; returns how many intakes were stored."""
    work = uow
    say = _Say(locale)
    problems: list[Problem] = []
    plan: list[tuple[Row, Intake | None, int | None]] = []
    for row in rows:
        person = work.participants.find(PLATFORM, row.slack_user)
        current = work.intakes.current(person.id, dialogue.id) if person else None
        if current is not None and not replace_existing:
            key = (
                "spreadsheet.registered"
                if current.status is IntakeStatus.CONFIRMED
                else "spreadsheet.under_way"
            )
            problems.append(Problem(row.line, say(key, user=row.slack_user)))
        plan.append((row, current, person.id if person else None))
    if problems:
        raise FileRefused(problems)
    for row, current, person_id in plan:
        if current is not None:
            work.intakes.save(
                replace(
                    current,
                    answers=dict(row.answers),
                    status=IntakeStatus.CONFIRMED,
                    updated_at=now,
                    confirmed_at=now,
                    dialogue_version=dialogue.version,
                )
            )
            continue
        if person_id is None:
            person_id = work.participants.add(PLATFORM, row.slack_user, DEFAULT_LOCALE, now).id
        work.intakes.add(
            Intake(
                participant_id=person_id,
                programme_id=dialogue.programme,
                dialogue_id=dialogue.id,
                dialogue_version=dialogue.version,
                created_at=now,
                updated_at=now,
                status=IntakeStatus.CONFIRMED,
                answers=dict(row.answers),
                confirmed_at=now,
            )
        )
    return len(plan)


# ---- writing a file -------------------------------------------------------------------------------


def write_csv(
    dialogue: Dialogue, rows: Iterable[Row], locale: str = DEFAULT_LOCALE, extra: Sequence[str] = ()
) -> str:
    """The rows as a file `read_csv` reads back to the same answers: `,`-delimited, one header row,
    each answer as a person would type it (a choice by its label in `locale`, a date as 2027-03-01,
    several answers joined by '; ', a skipped question empty). `extra` names trailing columns (such
    as `status`, `match`) taken from each row's `extra`. For Excel, encode it as 'utf-8-sig'."""
    t = Translator(locale)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([SLACK_USER, *(q.id for q in dialogue.questions), *extra])
    for row in rows:
        cells = [_inert(_cell(q, row.answers.get(q.id), t)) for q in dialogue.questions]
        extras = (_inert(row.extra.get(name, "")) for name in extra)
        writer.writerow([row.slack_user, *cells, *extras])
    return out.getvalue()


# A cell a spreadsheet would run as a formula (=HYPERLINK(...) typed as an answer, sent out of the
# coordinator's Excel with the other rows): written with a leading quote, which Excel shows as text
# and `read_csv` takes off again (OWASP's advice on CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _live(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def _cell(question: Question, value: Value, t: Translator) -> str:
    if value is None:
        return ""
    choices = {c.value: c.label for c in choices_of(question)}
    if choices:
        chosen = value if isinstance(value, list) else [str(value)]
        return _MULTI_JOIN.join(t.t(choices[v]) if v in choices else v for v in chosen)
    if isinstance(value, list):
        return _MULTI_JOIN.join(value)
    return str(value)  # a date is stored as ISO: unambiguous in either language


def file_name(dialogue: Dialogue, today: date) -> str:
    """What to call an export: 'peer-to-peer-opdracht-2026-11-28.csv'."""
    return f"{dialogue.id.replace('/', '-')}-{today.isoformat()}.csv"


def export_csv(uow: UnitOfWork, dialogue: Dialogue, locale: str = DEFAULT_LOCALE) -> str:
    """Every confirmed intake of `dialogue` (Slack participants), oldest first, as `write_csv` writes it."""
    registrations = uow.registrations.of_dialogue(dialogue.id)
    return write_csv(dialogue, (Row(who, answers) for who, answers in registrations), locale)
