"""Theme runs as jobs: start a discovery over a chosen corpus, execute it, reproduce it.

The web request only counts the corpus and records a queued :class:`ThemeRun` with its
full configuration; :func:`execute_run` does the work wherever the job runs (a thread in
the web process, or an RQ worker), so the same call serves both. The job snapshots the
corpus (``RunItem`` rows: the text as the engine saw it) before the engine starts, so a
retry analyses the same answers and a reproduction gives the same result. Progress goes
to the run row in short transactions, throttled, so the page can show it after a reload.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, false, func, insert, literal, or_, select, update

from ohwb_engage import jobs
from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import UTCDateTime, begin_write, is_sqlite, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.corpus import corpus_count, corpus_overview
from ohwb_engage.feedback.models import Response
from ohwb_engage.feedback.services import CorpusFilters, corpus
from ohwb_engage.template_helpers import london_date
from ohwb_engage.themes.engine import ThemeDiscoverer, redact
from ohwb_engage.themes.engine.results import DiscoveryResult
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    MemberSource,
    RunItem,
    RunKind,
    RunStatus,
    RunTheme,
    Theme,
    ThemeMember,
    ThemeRun,
)
from ohwb_engage.workshops.models import Event

log = logging.getLogger(__name__)

JOB = "ohwb_engage.themes.runs:execute_run"
# Below this the engine has too little to compare: themes need at least 5 answers each.
MIN_ANSWERS = 10
MAX_THEMES = 70  # the engine's own ceiling
MAX_SEED = 2**31 - 1
# A queued or running run this old has lost its worker (RQ's job timeout is an hour too):
# it may be retried, and the old attempt, if it ever wakes, is fenced off by its number.
STALE_AFTER = timedelta(hours=1)
# Serialises starting runs on PostgreSQL, so two identical starts cannot both miss each other.
_START_LOCK = 0x7468656D  # "them"
QUEUE_DOWN = (
    "The run could not be handed to the job queue (the queue's server did not answer). "
    "Nothing was lost: retry it in a few minutes."
)
UNEXPECTED = (
    "The run stopped because of an unexpected problem. Retry it; if it fails again, "
    "tell the service administrator (quote run {run_id})."
)


class RunError(Exception):
    """A refusal whose ``str()`` is the message for the page."""


class CorpusTooSmall(RunError):
    pass


class InvalidSettings(RunError):
    pass


class RunNotRetryable(RunError):
    pass


class RunNotFinished(RunError):
    pass


class RunFailed(RunError):
    """Raised inside a job: the reason people see on the run page."""


class Superseded(Exception):
    """This attempt was given up on (retried as stale) while it ran: it must not write."""


@dataclass(frozen=True)
class RunSettings:
    """What an analyst chooses for a discovery; everything else takes the engine's default."""

    n_themes: int | None = None  # None: chosen by the data within the bounds
    min_themes: int = 2
    max_themes: int = 30
    seed: int = 0

    def check(self) -> None:
        if self.n_themes is not None and not 1 <= self.n_themes <= MAX_THEMES:
            raise InvalidSettings(f"The number of themes must be between 1 and {MAX_THEMES}.")
        if not 1 <= self.min_themes <= self.max_themes <= MAX_THEMES:
            raise InvalidSettings(
                f"The fewest themes must be at least 1 and no more than the most themes "
                f"(at most {MAX_THEMES})."
            )
        if not 0 <= self.seed <= MAX_SEED:
            raise InvalidSettings(f"The seed must be a whole number from 0 to {MAX_SEED}.")

    def engine_params(self) -> dict[str, Any]:
        """Every parameter of the engine, defaults included, so the run can be rebuilt."""
        return ThemeDiscoverer(
            "auto" if self.n_themes is None else self.n_themes,
            min_themes=self.min_themes,
            max_themes=self.max_themes,
            random_state=self.seed,
        ).get_params()


# --- corpus filters as JSON ---------------------------------------------------------------


def filters_to_dict(filters: CorpusFilters) -> dict[str, Any]:
    data = asdict(filters)
    for key in ("date_from", "date_to"):
        data[key] = data[key].isoformat() if data[key] else None
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in data.items()}


def filters_from_dict(data: dict[str, Any]) -> CorpusFilters:
    values: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key in ("date_from", "date_to"):
            values[key] = date.fromisoformat(value) if value else None
        elif key in CorpusFilters.__dataclass_fields__:
            values[key] = tuple(value or ())
    return CorpusFilters(**values)


def event_choices() -> list[tuple[int, str]]:
    """Events that have responses, newest first: the only ones worth offering as a filter."""
    rows = db.session.execute(
        select(Event.id, Event.title, Event.starts_at)
        .where(Event.id.in_(select(Response.event_id).where(Response.event_id.is_not(None))))
        .order_by(Event.starts_at.desc())
        .limit(300)
    ).all()
    return [(row.id, f"{row.title} ({london_date(row.starts_at)})") for row in rows]


def question_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(questionnaires, questions) that hold free-text answers, from the corpus overview."""
    sources = corpus_overview()
    questionnaires = dict.fromkeys(
        (s.questionnaire_id, s.questionnaire + (f" (version {s.version})" if s.version > 1 else ""))
        for s in sources
    )
    questions = [(s.question_id, f"{s.questionnaire}: {s.question}") for s in sources]
    return list(questionnaires), questions


def count_answers(filters: CorpusFilters) -> int:
    """How many answers a selection holds, counted by the database (the "check" button)."""
    return corpus_count(filters)


# --- starting, retrying, reproducing ------------------------------------------------------


def hand_to_worker(run_id: int, job: str = JOB) -> None:
    """Hand a run (of any kind) to the job runner; if the queue is down, the run fails with
    a reason instead of the page failing with a 500 and the run stuck queued."""
    try:
        handle = jobs.enqueue(job, run_id)
    except Exception:
        log.exception("theme run %s could not be queued", run_id)
        db.session.rollback()
        db.session.execute(
            update(ThemeRun)
            .where(ThemeRun.id == run_id, ThemeRun.status == RunStatus.QUEUED.value)
            .values(status=RunStatus.FAILED.value, error=QUEUE_DOWN, finished_at=utcnow())
        )
        db.session.commit()
        return
    if handle.job_id:
        db.session.execute(
            update(ThemeRun).where(ThemeRun.id == run_id).values(job_id=handle.job_id)
        )
        db.session.commit()


def _as_stored(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value))


def _identical_active_run(config: dict[str, Any], corpus_filters: dict[str, Any]) -> int | None:
    """A discovery with these settings over this selection, still queued or running.

    The engine is deterministic, so a second one would only find the same themes again:
    a form sent twice (a double click without JavaScript, a resubmitted page, two tabs)
    is shown the run already under way instead of queueing a copy.
    """
    active = db.session.execute(
        select(ThemeRun.id, ThemeRun.config, ThemeRun.corpus_filters)
        .where(
            ThemeRun.kind == RunKind.DISCOVER.value,
            ThemeRun.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value]),
        )
        .order_by(ThemeRun.id)
    ).all()
    for run_id, their_config, their_filters in active:
        if their_config == config and their_filters == corpus_filters:
            return int(run_id)
    return None


def _begin_start(config: dict[str, Any], corpus_filters: dict[str, Any]) -> int | None:
    """Open the write that records a new run, one starter at a time; or, when the same run
    is already queued or running, end it and return that run's id."""
    begin_write()
    if not is_sqlite():  # SQLite: begin_write() already made this the only writer
        db.session.execute(select(func.pg_advisory_xact_lock(_START_LOCK)))
    already = _identical_active_run(config, corpus_filters)
    if already is not None:
        db.session.rollback()
    return already


def start_run(
    filters: CorpusFilters, settings: RunSettings, *, actor: User, run_now: bool = False
) -> int:
    """Record a queued discovery over ``filters`` and hand it to the job runner; its id back.

    Refuses (nothing saved) an invalid setting, an empty corpus, or one too small to find
    themes in: the count is the database's, taken now; the job snapshots the answers.
    The same discovery already queued or running is returned instead of a second copy.
    ``run_now`` executes it in this thread instead (the demo seeder and commands).
    """
    settings.check()
    size = count_answers(filters)
    if size == 0:
        raise CorpusTooSmall("No answers match this selection. Widen it and check again.")
    needed = max(MIN_ANSWERS, 2 * (settings.n_themes or settings.min_themes))
    if size < needed:
        raise CorpusTooSmall(
            f"This selection holds {size} answers; the engine needs at least {needed} "
            "to find themes. Widen the selection, or ask for fewer themes."
        )
    config = _as_stored({"engine": settings.engine_params(), "settings": asdict(settings)})
    corpus_filters = _as_stored(filters_to_dict(filters))
    already = _begin_start(config, corpus_filters)
    if already is not None:
        return already
    run = ThemeRun(
        kind=RunKind.DISCOVER.value,
        status=RunStatus.QUEUED.value,
        config=config,
        corpus_filters=corpus_filters,
        corpus_size=size,
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record("themes.run_started", run, actor=actor, answers=size, seed=settings.seed,
           n_themes=settings.n_themes or "auto")  # fmt: skip
    run_id = run.id
    db.session.commit()
    if run_now:
        execute_run(run_id)
    else:
        hand_to_worker(run_id)
    return run_id


def _stale_condition():
    cutoff = utcnow() - STALE_AFTER
    return and_(
        ThemeRun.status.in_((RunStatus.QUEUED.value, RunStatus.RUNNING.value)),
        func.coalesce(ThemeRun.started_at, ThemeRun.created_at) < cutoff,
    )


def is_stale(run: ThemeRun) -> bool:
    """Queued or running for over an hour: its worker has most likely gone."""
    if run.status not in (RunStatus.QUEUED.value, RunStatus.RUNNING.value):
        return False
    return (run.started_at or run.created_at) < utcnow() - STALE_AFTER


def retry_run(run_id: int, *, actor: User) -> None:
    """Queue a failed (or stale) run again, on the snapshot it already took, if any."""
    begin_write()
    changed = db.session.execute(
        update(ThemeRun)
        .where(
            ThemeRun.id == run_id,
            ThemeRun.kind == RunKind.DISCOVER.value,  # mapping runs retry in the workspace
            or_(ThemeRun.status == RunStatus.FAILED.value, _stale_condition()),
        )
        .values(
            status=RunStatus.QUEUED.value,
            progress=0.0,
            progress_message="Waiting to start again",
            error=None,
            finished_at=None,
        )
    ).rowcount
    if not changed:
        db.session.rollback()
        raise RunNotRetryable(
            "Only a failed run, or one stuck for over an hour, can be retried; this one is not."
        )
    record("themes.run_retried", target_type="theme_runs", target_id=run_id, actor=actor)
    db.session.commit()
    hand_to_worker(run_id)


def _finished_discovery(run: ThemeRun | None) -> bool:
    return (
        run is not None
        and run.kind == RunKind.DISCOVER.value
        and run.status == RunStatus.SUCCEEDED.value
    )


def reproduce_run(run_id: int, *, actor: User) -> int:
    """A new run with the same configuration over the same snapshot; its id back (or the
    id of the reproduction already queued or running)."""
    source = db.session.get(ThemeRun, run_id)
    if not _finished_discovery(source):
        raise RunNotFinished("Only a finished discovery run can be reproduced.")
    values = {
        "kind": source.kind,
        "status": RunStatus.QUEUED.value,
        "config": _as_stored({**source.config, "reproduces": source.id}),
        "corpus_filters": _as_stored(source.corpus_filters),
        "corpus_size": source.corpus_size,
        "created_by_id": actor.id,
    }
    already = _begin_start(values["config"], values["corpus_filters"])
    if already is not None:
        return already
    run = ThemeRun(**values)
    db.session.add(run)
    db.session.flush()
    db.session.execute(
        insert(RunItem).from_select(
            ["run_id", "position", "answer_id", "text"],
            select(literal(run.id), RunItem.position, RunItem.answer_id, RunItem.text).where(
                RunItem.run_id == run_id
            ),
        )
    )
    record("themes.run_reproduced", run, actor=actor, source_run=run_id)
    new_id = run.id
    db.session.commit()
    hand_to_worker(new_id)
    return new_id


# --- the job ------------------------------------------------------------------------------


class ProgressWriter:
    """The engine's progress callback: writes to the run row at most every ``interval``
    seconds unless the bar moved by ``step`` or more, each write its own short transaction.

    The engine's fraction is scaled into ``[low, high]``: snapshotting comes before it and
    storing the result after it.
    """

    def __init__(
        self,
        run_id: int,
        attempt: int,
        *,
        low: float = 0.05,
        high: float = 0.9,
        interval: float = 0.5,
        step: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run_id, self.attempt = run_id, attempt
        self.low, self.high = low, high
        self.interval, self.step = interval, step
        self.clock = clock
        self.last_value = -1.0
        self.last_time = -math.inf
        self.writes = 0

    def __call__(self, fraction: float, message: str) -> None:
        value = round(self.low + (self.high - self.low) * min(max(fraction, 0.0), 1.0), 4)
        now = self.clock()
        if value <= self.last_value:
            return
        if now - self.last_time < self.interval and value - self.last_value < self.step:
            return
        self.write(value, message)

    def write(self, value: float, message: str) -> None:
        self.last_value, self.last_time = value, self.clock()
        written = db.session.execute(
            update(ThemeRun)
            .where(*mine(self.run_id, self.attempt))
            .values(progress=value, progress_message=message[:200])
        ).rowcount
        db.session.commit()
        if not written:  # stop the engine: another attempt owns the run now
            raise Superseded(self.run_id)
        self.writes += 1


def mine(run_id: int, attempt: int) -> tuple[Any, ...]:
    """The run, still running this attempt: every write of a job is fenced by it."""
    return (
        ThemeRun.id == run_id,
        ThemeRun.attempts == attempt,
        ThemeRun.status == RunStatus.RUNNING.value,
    )


def claim_run(
    run_id: int,
    kind: RunKind = RunKind.DISCOVER,
    message: str = "Taking a snapshot of the answers",
) -> int | None:
    """Queued -> running, once, in one conditional UPDATE: a job delivered twice (RQ
    retries, a double click) runs once. Discovery and mapping runs both claim here.

    Returns this attempt's number, or None when the run was not waiting for a worker.
    """
    claimed = db.session.execute(
        update(ThemeRun)
        .where(
            ThemeRun.id == run_id,
            ThemeRun.kind == kind.value,
            ThemeRun.status == RunStatus.QUEUED.value,
        )
        .values(
            status=RunStatus.RUNNING.value,
            attempts=ThemeRun.attempts + 1,
            started_at=utcnow(),
            progress=0.0,
            progress_message=message,
            error=None,
        )
    ).rowcount
    attempt = db.session.execute(
        select(ThemeRun.attempts).where(ThemeRun.id == run_id)
    ).scalar_one_or_none()
    db.session.commit()
    return attempt if claimed else None


def _has_snapshot(run_id: int) -> bool:
    return (
        db.session.execute(
            select(RunItem.position).where(RunItem.run_id == run_id).limit(1)
        ).first()
        is not None
    )


def _snapshot(run_id: int) -> None:
    """Copy the corpus into the run, once: text as the engine will see it, in its order.

    Read and redact first, outside any write lock (seconds for 100,000 answers), then
    write the rows in one transaction that takes the write lock up front.
    """
    if _has_snapshot(run_id):
        return
    run = db.session.get(ThemeRun, run_id)
    rows = corpus(filters_from_dict(run.corpus_filters))
    if not rows:
        raise RunFailed(
            "No answers matched the selection when the run started (they may have been "
            "deleted or erased). Start a new run with a wider selection."
        )
    scrub = run.config.get("engine", {}).get("redact_personal_data", True)
    items = [
        {"run_id": run_id, "position": n, "answer_id": row.answer_id,
         "text": redact(row.text) if scrub else row.text}
        for n, row in enumerate(rows)
    ]  # fmt: skip
    db.session.commit()  # end the read before asking for the write lock
    begin_write()
    if _has_snapshot(run_id):  # another attempt got there first
        db.session.rollback()
        return
    db.session.execute(insert(RunItem), items)
    db.session.execute(update(ThemeRun).where(ThemeRun.id == run_id).values(corpus_size=len(items)))
    db.session.commit()


def succeed(run_id: int, attempt: int, message: str = "Done", **values: Any) -> None:
    """Mark the run succeeded, in the caller's transaction, if this attempt still owns it;
    otherwise roll the transaction back and raise ``Superseded``, so nothing it wrote stays."""
    finished = db.session.execute(
        update(ThemeRun)
        .where(*mine(run_id, attempt))
        .values(
            status=RunStatus.SUCCEEDED.value,
            progress=1.0,
            progress_message=message,
            finished_at=utcnow(),
            **values,
        )
    ).rowcount
    if not finished:
        db.session.rollback()
        raise Superseded(run_id)


def _store(run_id: int, attempt: int, result: DiscoveryResult, total: int) -> None:
    """Per-answer decisions, the proposed themes and the summary, in one transaction."""
    succeed(
        run_id,
        attempt,
        f"Finished: {len(result.themes)} themes in {total} answers",
        summary={
            "n_themes": len(result.themes),
            "counts": dict(result.counts),
            "stability": result.stability,
            "engine_config": result.config,
            "timings": dict(result.timings),
        },
    )
    db.session.execute(
        update(RunItem),
        [
            {"run_id": run_id, "position": n, "theme_index": a, "status": s,
             "confidence": c, "sentiment": round(float(v), 4)}
            for n, (a, s, c, v) in enumerate(
                zip(result.assignments, result.status, result.confidence, result.sentiment,
                    strict=True)
            )
        ],
    )  # fmt: skip
    if result.themes:
        db.session.execute(
            insert(RunTheme),
            [
                {"run_id": run_id, "index": t.id, "label": t.label[:200],
                 "terms": [[term, round(float(w), 4)] for term, w in t.terms],
                 "quote_positions": list(t.quotes), "size": t.size,
                 "sentiment": round(float(t.sentiment), 4)}
                for t in result.themes
            ],
        )  # fmt: skip
    db.session.commit()


def fail_run(run_id: int, attempt: int, message: str) -> None:
    """Record the failure, unless another attempt owns the run now (fenced like progress)."""
    db.session.rollback()
    db.session.execute(
        update(ThemeRun)
        .where(*mine(run_id, attempt))
        .values(status=RunStatus.FAILED.value, error=message, finished_at=utcnow())
    )
    db.session.commit()


def run_as_job(
    run_id: int,
    kind: RunKind,
    first_message: str,
    work: Callable[[int, int], None],
    refusals: tuple[type[Exception], ...],
    unexpected: str,
) -> str:
    """The shell every run's job shares: claim the run once, do ``work(run_id, attempt)``,
    and keep a failure on the run row with the reason people read on its page.

    Never raises for a run's own failure: a refusal's ``str()`` is the reason, anything
    else gets ``unexpected`` (its traceback goes to the log, which holds no answer text).
    Returns the run's final status, or "skipped" / "superseded".
    """
    attempt = claim_run(run_id, kind, first_message)
    if attempt is None:
        return "skipped"
    try:
        work(run_id, attempt)
    except Superseded:
        db.session.rollback()
        log.warning("%s run %s attempt %s was superseded", kind, run_id, attempt)
        return "superseded"
    except refusals as exc:
        fail_run(run_id, attempt, str(exc))
        return RunStatus.FAILED.value
    except Exception:
        log.exception("%s run %s failed", kind, run_id)
        fail_run(run_id, attempt, unexpected.format(run_id=run_id))
        return RunStatus.FAILED.value
    return RunStatus.SUCCEEDED.value


def execute_run(run_id: int) -> str:
    """The job: snapshot, discover with progress, store. Returns the run's final status."""
    return run_as_job(
        run_id,
        RunKind.DISCOVER,
        "Taking a snapshot of the answers",
        _discover_in_job,
        (RunFailed,),
        UNEXPECTED,
    )


def _discover_in_job(run_id: int, attempt: int) -> None:
    _snapshot(run_id)
    run = db.session.get(ThemeRun, run_id)
    texts = list(
        db.session.execute(
            select(RunItem.text).where(RunItem.run_id == run_id).order_by(RunItem.position)
        ).scalars()
    )
    params = dict(run.config["engine"])
    db.session.commit()  # no transaction held open while the engine works
    progress = ProgressWriter(run_id, attempt)
    progress.write(0.05, "Starting the engine")
    result = ThemeDiscoverer(**params).fit(texts, progress=progress).result_
    if not result.themes:
        raise RunFailed(
            f"The engine found no themes in these {len(texts)} answers: "
            f"{result.counts.get('non_answer', 0)} are non-answers and "
            f"{result.counts.get('unassigned', 0)} share too few words with the rest. "
            "Start a new run with a larger selection."
        )
    progress.write(0.9, "Saving the themes")
    _store(run_id, attempt, result, len(texts))


# --- reading runs -------------------------------------------------------------------------


def runs_query():
    """Discovery runs, newest first (mapping runs belong to their framework's workspace)."""
    return (
        select(ThemeRun)
        .where(ThemeRun.kind == RunKind.DISCOVER.value)
        .order_by(ThemeRun.created_at.desc(), ThemeRun.id.desc())
    )


@dataclass(frozen=True)
class ThemeView:
    index: int
    label: str
    size: int
    share: float
    sentiment: float
    terms: list[str]
    quotes: list[str]


def results(run: ThemeRun) -> list[ThemeView]:
    """The proposed themes with their quotes' text, largest first (two queries)."""
    themes = list(
        db.session.execute(
            select(RunTheme).where(RunTheme.run_id == run.id).order_by(RunTheme.index)
        ).scalars()
    )
    wanted = {p for t in themes for p in t.quote_positions}
    texts = dict(
        db.session.execute(
            select(RunItem.position, RunItem.text).where(
                RunItem.run_id == run.id, RunItem.position.in_(wanted)
            )
        ).all()
    ) if wanted else {}  # fmt: skip
    total = run.corpus_size or 1
    return [
        ThemeView(
            index=t.index,
            label=t.label,
            size=t.size,
            share=t.size / total,
            sentiment=t.sentiment,
            terms=[term for term, _ in t.terms],
            quotes=[texts[p] for p in t.quote_positions if p in texts],
        )
        for t in themes
    ]


def other_finished_runs(run_id: int, limit: int = 50) -> list[ThemeRun]:
    """Finished discovery runs to compare this one with, newest first."""
    return list(
        db.session.execute(
            runs_query()
            .where(ThemeRun.id != run_id, ThemeRun.status == RunStatus.SUCCEEDED.value)
            .limit(limit)
        ).scalars()
    )


def assignments(run_id: int) -> list[int]:
    """Theme index per snapshot position: what "same result" compares."""
    return list(
        db.session.execute(
            select(RunItem.theme_index).where(RunItem.run_id == run_id).order_by(RunItem.position)
        ).scalars()
    )


def same_result(first_id: int, second_id: int) -> bool:
    """Whether two runs put every answer in the same theme with the same labels."""

    def themes(run_id: int) -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in db.session.execute(
                select(RunTheme.index, RunTheme.label, RunTheme.size)
                .where(RunTheme.run_id == run_id)
                .order_by(RunTheme.index)
            ).all()
        ]

    return assignments(first_id) == assignments(second_id) and themes(first_id) == themes(second_id)


def frameworks_from(run_id: int) -> list[Framework]:
    """Frameworks whose themes came from this run (a run can seed several)."""
    ids = select(Theme.framework_id).where(Theme.source_run_id == run_id).distinct()
    return list(
        db.session.execute(
            select(Framework).where(Framework.id.in_(ids)).order_by(Framework.id)
        ).scalars()
    )


# --- a framework from a run ---------------------------------------------------------------


def create_framework(run_id: int, *, name: str, actor: User) -> int:
    """Turn a finished run into a reviewable framework (version 1); its id back.

    The answers and the members are copied inside the database (``INSERT ... SELECT`` from
    the run's snapshot), and the themes' counts are a ``GROUP BY``: no answer row travels
    to Python, so 100,000 answers take seconds and fit in a web request. Answers erased
    since the run are left out. Everything is one transaction.
    """
    run = db.session.get(ThemeRun, run_id)
    if not _finished_discovery(run):
        raise RunNotFinished("Only a finished discovery run can become a framework.")
    name = name.strip()
    if not name:
        raise InvalidSettings("Enter a name for the framework.")
    begin_write()
    framework = Framework(
        name=name[:200],
        description=f"Created from theme run {run_id}.",
        corpus_filters=dict(run.corpus_filters),
        version=1,
        created_by_id=actor.id,
    )
    db.session.add(framework)
    db.session.flush()
    kept = and_(RunItem.run_id == run_id, RunItem.answer_id.is_not(None))
    totals = {
        index: (count, total or 0.0)
        for index, count, total in db.session.execute(
            select(RunItem.theme_index, func.count(), func.sum(RunItem.sentiment))
            .where(kept, RunItem.theme_index >= 0)
            .group_by(RunItem.theme_index)
        ).all()
    }
    run_themes = list(
        db.session.execute(
            select(RunTheme).where(RunTheme.run_id == run_id).order_by(RunTheme.index)
        ).scalars()
    )
    quoted = {p for t in run_themes for p in t.quote_positions}
    answer_at = dict(
        db.session.execute(
            select(RunItem.position, RunItem.answer_id).where(kept, RunItem.position.in_(quoted))
        ).all()
    ) if quoted else {}  # fmt: skip
    theme_ids: dict[int, int] = {}
    snapshot = []
    for position, run_theme in enumerate(run_themes):
        count, total = totals.get(run_theme.index, (0, 0.0))
        theme = Theme(
            framework_id=framework.id,
            name=run_theme.label[:200],
            position=position,
            terms=list(run_theme.terms),
            quote_answer_ids=[answer_at[p] for p in run_theme.quote_positions if p in answer_at],
            member_count=count,
            sentiment_sum=round(float(total), 4),
            source_run_id=run_id,
        )
        db.session.add(theme)
        db.session.flush()
        theme_ids[run_theme.index] = theme.id
        snapshot.append({"id": theme.id, "name": theme.name, "description": "",
                         "size": count, "priority": False})  # fmt: skip
    answers = db.session.execute(
        insert(FrameworkAnswer).from_select(
            ["framework_id", "answer_id", "sentiment", "status", "not_relevant"],
            select(literal(framework.id), RunItem.answer_id, RunItem.sentiment, RunItem.status,
                   false()).where(kept),
        )
    ).rowcount  # fmt: skip
    if theme_ids:
        theme_of = case(theme_ids, value=RunItem.theme_index)
        confidence = case(
            (RunItem.confidence > 1, 1.0), (RunItem.confidence < 0, 0.0), else_=RunItem.confidence
        )
        db.session.execute(
            insert(ThemeMember).from_select(
                ["theme_id", "answer_id", "source", "confidence", "created_by_id", "created_at"],
                select(
                    theme_of,
                    RunItem.answer_id,
                    literal(MemberSource.DISCOVERED.value),
                    confidence,
                    literal(actor.id),
                    literal(utcnow(), UTCDateTime()),
                ).where(kept, RunItem.theme_index.in_(list(theme_ids))),
            )
        )
    db.session.add(
        FrameworkChange(
            framework_id=framework.id,
            version=1,
            action="created from run",
            summary=f"Created from theme run {run_id}: {len(theme_ids)} themes, {answers} answers.",
            details={"run_id": run_id},
            snapshot=snapshot,
            actor_id=actor.id,
            actor_label=actor.name,
        )
    )
    record("themes.framework_created", framework, actor=actor, run_id=run_id,
           themes=len(theme_ids), answers=answers)  # fmt: skip
    framework_id = framework.id
    db.session.commit()
    return framework_id


def forget_deleted_answers() -> int:
    """Blank the snapshot text of answers that no longer exist (erased or past retention).

    Run snapshots copy answer text; when an answer is deleted its ``answer_id`` becomes
    NULL, and this removes the copy too. Only flushes: the privacy use case commits.
    """
    return db.session.execute(
        update(RunItem)
        .where(RunItem.answer_id.is_(None), RunItem.text != "")
        .values(text="")
        .execution_options(synchronize_session=False)
    ).rowcount


def run_counts() -> dict[str, int]:
    """Runs per status, for the list page's summary."""
    return dict(
        db.session.execute(select(ThemeRun.status, func.count()).group_by(ThemeRun.status)).all()
    )
