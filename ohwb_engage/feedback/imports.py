"""Importing notes and other survey exports from CSV or XLSX: upload, map, check, commit.

The upload is kept in the database (any gunicorn worker can serve the next step) under a
random key until it is committed or discarded, and for at most a day otherwise. Checking
reads every row and lists each rejected one with its reason; committing is all or nothing:
one transaction, refused while any row has a problem, and refused a second time, so a double
click imports once.
"""

from __future__ import annotations

import codecs
import csv
import io
import secrets
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.corpus import london_day_start
from ohwb_engage.feedback.models import (
    Answer,
    ImportBatch,
    ImportStatus,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    ResponseSource,
    ResponseStatus,
    Section,
)
from ohwb_engage.feedback.services import FeedbackError, require_manage
from ohwb_engage.feedback.text import clean_text, stored_text
from ohwb_engage.forms import LONG_TEXT_MAX
from ohwb_engage.reference.models import REGIONS, StakeholderGroup
from ohwb_engage.reference.services import ensure_default_groups
from ohwb_engage.workshops.models import Event

MAX_ROWS = 20_000
STALE_AFTER = timedelta(hours=24)
ENCODINGS = [
    ("auto", "Detect automatically"),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows-1252 (older Excel on Windows)"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16"),
]
ENCODING_LABELS = dict(ENCODINGS)
FIELDS = ("text", "question", "stakeholder_group", "organisation", "region", "date")
DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)  # fmt: skip


class ImportProblem(FeedbackError):
    pass


class ImportTooLarge(ImportProblem):
    pass


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]  # every row as long as the headers
    encoding: str | None  # None for XLSX

    def sample(self, n: int = 5) -> list[list[str]]:
        return self.rows[:n]


def max_bytes() -> int:
    return int(current_app.config["FEEDBACK_IMPORT_MAX_BYTES"])


# --- reading files ------------------------------------------------------------------------


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding used). Auto: a BOM, else UTF-8, else Windows-1252, else a clear no."""
    if encoding != "auto":
        if encoding not in ENCODING_LABELS:
            raise ImportProblem("Choose an encoding from the list")
        try:
            return data.decode(encoding).lstrip("\ufeff"), encoding
        except UnicodeDecodeError as exc:
            raise ImportProblem(
                f"The file cannot be read as {ENCODING_LABELS[encoding]}: byte {exc.start + 1} "
                "is not valid in it. Choose another encoding, or save the file as "
                "“CSV UTF-8” and upload it again."
            ) from exc
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in data[:4096]:
            raise ImportProblem(
                "This does not look like a CSV file (it contains binary data). Upload a CSV "
                "or an Excel .xlsx file."
            )
        candidates = ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), "utf-8" if candidate == "utf-8-sig" else candidate
    raise ImportProblem(
        "We could not work out the text encoding of this file: it is neither UTF-8 nor "
        "Windows-1252. In Excel use “Save as”, “CSV UTF-8 (comma delimited)”, then upload it "
        "again, or choose the encoding yourself."
    )


def _headers(raw: list[Any]) -> list[str]:
    headers = []
    for index, value in enumerate(raw):
        name = str(value).strip() if value is not None else ""
        name = name or f"Column {index + 1}"
        while name in headers:
            name = f"{name} ({index + 1})"
        headers.append(name)
    return headers


def _table(raw_rows: list[list[Any]], encoding: str | None) -> Table:
    rows = [r for r in raw_rows if any(str(c).strip() for c in r if c is not None)]
    if not rows:
        raise ImportProblem("The file is empty: it needs a header row and at least one row")
    headers = _headers(rows[0])
    body = rows[1:]
    if not body:
        raise ImportProblem("The file has a header row but no rows of data")
    if len(body) > MAX_ROWS:
        raise ImportProblem(f"The file has {len(body):,} rows; import {MAX_ROWS:,} or fewer")
    width = len(headers)
    normalised = []
    for row in body:
        cells = ["" if c is None else _cell_text(c) for c in row][:width]
        normalised.append(cells + [""] * (width - len(cells)))
    return Table(headers, normalised, encoding)


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != datetime.min.time()
            else (value.strftime("%Y-%m-%d"))
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_csv(data: bytes, encoding: str = "auto") -> Table:
    text, used = decode(data, encoding)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        raw = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise ImportProblem(f"The CSV file is malformed ({exc}). Check it opens in Excel.") from exc
    return _table(raw, used)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportProblem(
            "This Excel file cannot be read. Check it opens in Excel, or save it as CSV."
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        raw = []
        for row in sheet.iter_rows(values_only=True):
            raw.append(list(row))
            if len(raw) > MAX_ROWS + 1:
                raise ImportProblem(f"The sheet has more than {MAX_ROWS:,} rows; import fewer")
    finally:
        workbook.close()
    return _table(raw, None)


def read_table(filename: str, data: bytes, encoding: str = "auto") -> Table:
    name = filename.lower()
    if name.endswith(".xls"):
        raise ImportProblem("Old Excel .xls files are not supported: save it as .xlsx or CSV")
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if name.endswith((".csv", ".txt", ".tsv")) or not name:
        return read_csv(data, encoding)
    raise ImportProblem("Upload a CSV (.csv) or Excel (.xlsx) file")


# --- the steps ------------------------------------------------------------------------------


def start_import(
    questionnaire: Questionnaire,
    filename: str,
    data: bytes,
    consent_basis: str,
    *,
    actor: User,
) -> ImportBatch:
    """Keep the file for the mapping step, after checking it can be read at all."""
    require_manage(actor, questionnaire)
    if len(data) > max_bytes():
        raise ImportTooLarge(f"The file is larger than {max_bytes() // (1024 * 1024)} MB")
    if not data:
        raise ImportProblem("The selected file is empty")
    table = read_table(filename, data)
    _cleanup_stale(utcnow())
    batch = ImportBatch(
        key=secrets.token_urlsafe(24),
        questionnaire_id=questionnaire.id,
        event_id=questionnaire.event_id,
        filename=(filename or "upload.csv")[-255:],
        size=len(data),
        data=data,
        consent_basis=consent_basis,
        rows_total=len(table.rows),
        uploaded_by_id=actor.id,
        mapping={"encoding": "auto"},
    )
    db.session.add(batch)
    db.session.flush()
    record("questionnaire.import_upload", questionnaire, actor=actor, rows=len(table.rows))
    db.session.commit()
    return batch


def upload_for(questionnaire: Questionnaire, key: str, *, lock: bool = False) -> ImportBatch | None:
    """The upload under ``key``; ``lock`` holds its row (PostgreSQL) so two commits queue."""
    stmt = select(ImportBatch).where(
        ImportBatch.key == key, ImportBatch.questionnaire_id == questionnaire.id
    )
    return db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what (0-based indexes; None: not in the file)."""

    text: int | None = None
    question: int | None = None
    stakeholder_group: int | None = None
    organisation: int | None = None
    region: int | None = None
    date: int | None = None
    default_question_id: int | None = None
    event_id: int | None = None
    encoding: str = "auto"
    create_missing_questions: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def guess_mapping(table: Table) -> ColumnMapping:
    """A first guess from the header names, for the facilitator to correct."""
    hints = {
        "text": ("text", "answer", "response", "comment", "note", "feedback", "quote"),
        "question": ("question", "kloe", "prompt", "topic"),
        "stakeholder_group": ("stakeholder", "group", "role type", "respondent type"),
        "organisation": ("organisation", "organization", "trust", "employer", "org"),
        "region": ("region", "area", "ics"),
        "date": ("date", "when", "submitted", "timestamp"),
    }
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        name = header.casefold()
        for target, words in hints.items():
            if target not in found and any(w in name for w in words):
                found[target] = index
                break
    return ColumnMapping(**found)


@dataclass(frozen=True)
class RowProblem:
    line: int  # as the spreadsheet shows it: the header is line 1
    reason: str


@dataclass(frozen=True)
class CheckedRow:
    line: int
    text: str
    question_id: int | None
    new_question: str | None
    stakeholder_group_id: int | None
    organisation: str
    region: str
    answered_at: datetime | None


@dataclass(frozen=True)
class Report:
    accepted: list[CheckedRow]
    rejected: list[RowProblem]
    new_questions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and bool(self.accepted)


def parse_date(value: str) -> date | datetime | None:
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed if "%H" in fmt else parsed.date()
    return None


def check(questionnaire: Questionnaire, table: Table, mapping: ColumnMapping) -> Report:
    """Every row checked; each rejected row with the reason a person can act on."""
    if mapping.text is None or not 0 <= mapping.text < len(table.headers):
        raise ImportProblem("Choose the column that holds the text")
    text_questions = [q for q in questionnaire.questions if q.is_text]
    by_text = {q.text.strip().casefold(): q for q in questionnaire.questions}
    by_number = {str(i + 1): q for i, q in enumerate(questionnaire.questions)}
    default = next((q for q in text_questions if q.id == mapping.default_question_id), None)
    if mapping.default_question_id is not None and default is None:
        raise ImportProblem("Choose a free-text question from the list")
    ensure_default_groups()  # a fresh database: the programme's groups
    groups = {  # retired groups included: old notes may well name them
        g.name.casefold(): g.id for g in db.session.execute(select(StakeholderGroup)).scalars()
    }
    regions = {r.casefold(): r for r in REGIONS}
    today = utcnow().date()
    accepted: list[CheckedRow] = []
    rejected: list[RowProblem] = []
    new_questions: dict[str, str] = {}

    def col(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    for offset, row in enumerate(table.rows):
        line = offset + 2
        text = clean_text(col(row, mapping.text))
        if not text:
            rejected.append(RowProblem(line, "The text is empty"))
            continue
        if len(text) > LONG_TEXT_MAX:
            rejected.append(
                RowProblem(line, f"The text is longer than {LONG_TEXT_MAX:,} characters")
            )
            continue
        question_id: int | None = None
        new_question: str | None = None
        asked = col(row, mapping.question)
        if asked:
            key = asked.casefold().removeprefix("question").removeprefix("q").strip(" .:")
            question = by_text.get(asked.casefold()) or by_number.get(key)
            if question is not None and not question.is_text:
                rejected.append(RowProblem(line, f"“{asked[:80]}” is not a free-text question"))
                continue
            if question is not None:
                question_id = question.id
            elif mapping.create_missing_questions:
                if len(asked) > 500:
                    rejected.append(RowProblem(line, "The question is longer than 500 characters"))
                    continue
                new_question = new_questions.setdefault(asked.casefold(), asked)
            else:
                rejected.append(
                    RowProblem(line, f"No question “{asked[:80]}” in this questionnaire")
                )
                continue
        elif default is not None:
            question_id = default.id
        else:
            rejected.append(RowProblem(line, "No question given, and no default question chosen"))
            continue
        group_name = col(row, mapping.stakeholder_group)
        group_id = None
        if group_name:
            group_id = groups.get(group_name.casefold())
            if group_id is None:
                rejected.append(RowProblem(line, f"Unknown stakeholder group “{group_name[:80]}”"))
                continue
        region_name = col(row, mapping.region)
        region = ""
        if region_name:
            region = regions.get(region_name.casefold(), "")
            if not region:
                rejected.append(RowProblem(line, f"Unknown region “{region_name[:80]}”"))
                continue
        organisation = clean_text(col(row, mapping.organisation))
        if len(organisation) > 200:
            rejected.append(RowProblem(line, "The organisation is longer than 200 characters"))
            continue
        answered_at = None
        raw_date = col(row, mapping.date)
        if raw_date:
            parsed = parse_date(raw_date)
            if parsed is None:
                rejected.append(
                    RowProblem(line, f"“{raw_date[:40]}” is not a date (use 31/01/2025)")
                )
                continue
            day = parsed.date() if isinstance(parsed, datetime) else parsed
            if day > today:
                rejected.append(RowProblem(line, "The date is in the future"))
                continue
            answered_at = london_day_start(day)
        accepted.append(
            CheckedRow(line, text, question_id, new_question, group_id, organisation, region,
                       answered_at)
        )  # fmt: skip
    return Report(accepted, rejected, list(new_questions.values()))


def preview(questionnaire: Questionnaire, batch: ImportBatch, mapping: ColumnMapping) -> Report:
    if batch.data is None:
        raise ImportProblem("This upload has already been imported or discarded")
    return check(questionnaire, read_table(batch.filename, batch.data, mapping.encoding), mapping)


def commit_import(
    questionnaire: Questionnaire, key: str, mapping: ColumnMapping, *, actor: User
) -> int:
    """All rows or none, once: one transaction, refused while any row has a problem."""
    require_manage(actor, questionnaire)
    begin_write()
    questionnaire = db.session.get_one(Questionnaire, questionnaire.id)
    batch = upload_for(questionnaire, key, lock=True)
    if batch is None:
        raise ImportProblem("This upload has expired. Upload the file again.")
    if batch.status != ImportStatus.UPLOADED.value or batch.data is None:
        raise ImportProblem("This file has already been imported or discarded")
    if mapping.event_id is not None and db.session.get(Event, mapping.event_id) is None:
        raise ImportProblem("Choose an event from the list")
    report = check(questionnaire, read_table(batch.filename, batch.data, mapping.encoding), mapping)
    if report.rejected:
        raise ImportProblem(
            f"{len(report.rejected)} rows have problems, so nothing was imported. Fix them in "
            "the file and upload it again, or change the column choices."
        )
    created = _create_questions(questionnaire, report.new_questions)
    now = utcnow()
    anonymous = questionnaire.anonymous
    responses = []
    for row in report.accepted:
        response = Response(
            questionnaire_id=questionnaire.id,
            submission_key=f"import-{batch.id}-{row.line}",
            status=ResponseStatus.SUBMITTED.value,
            source=ResponseSource.IMPORTED.value,
            anonymous=anonymous,
            event_id=mapping.event_id,
            import_id=batch.id,
            stakeholder_group_id=row.stakeholder_group_id,
            organisation="" if anonymous else row.organisation,
            region="" if anonymous else row.region,
            consent_at=now,
            last_page=0,
            answered_at=row.answered_at or now,
        )
        responses.append(response)
    db.session.add_all(responses)
    db.session.flush()
    keep = questionnaire.original_retention_days > 0
    for response, row in zip(responses, report.accepted, strict=True):
        text, original = stored_text(row.text, redacting=questionnaire.redact, keep_original=keep)
        question_id = row.question_id or created[row.new_question.casefold()]
        db.session.add(
            Answer(
                response_id=response.id, question_id=question_id, text=text, text_original=original
            )
        )
    batch.status = ImportStatus.COMMITTED.value
    batch.data = None  # the notes now live as answers; the raw file is not kept
    batch.mapping = mapping.as_dict()
    batch.event_id = mapping.event_id
    batch.rows_imported = len(responses)
    batch.committed_at = now
    db.session.flush()
    record(
        "questionnaire.import",
        questionnaire,
        actor=actor,
        rows=len(responses),
        new_questions=len(created),
        batch=batch.id,
    )
    db.session.commit()
    return len(responses)


def _create_questions(questionnaire: Questionnaire, labels: list[str]) -> dict[str, int]:
    if not labels:
        return {}
    section = Section(
        questionnaire_id=questionnaire.id,
        position=max((s.position for s in questionnaire.sections), default=-1) + 1,
        title="Imported questions",
    )
    db.session.add(section)
    db.session.flush()
    position = max((q.position for q in questionnaire.questions), default=-1) + 1
    created = {}
    for label in labels:
        question = Question(
            questionnaire_id=questionnaire.id,
            section_id=section.id,
            position=position,
            kind=QuestionKind.LONG_TEXT.value,
            text=label[:500],
        )
        db.session.add(question)
        db.session.flush()
        created[label.casefold()] = question.id
        position += 1
    return created


def discard_import(questionnaire: Questionnaire, key: str, *, actor: User) -> None:
    require_manage(actor, questionnaire)
    batch = upload_for(questionnaire, key)
    if batch is None or batch.status != ImportStatus.UPLOADED.value:
        return
    batch.status = ImportStatus.DISCARDED.value
    batch.data = None
    record("questionnaire.import_discard", questionnaire, actor=actor, batch=batch.id)
    db.session.commit()


def undo_import(questionnaire: Questionnaire, batch_id: int, *, actor: User) -> int:
    """Remove every response one import added (for a wrong file); nothing else is touched."""
    require_manage(actor, questionnaire)
    begin_write()
    batch = db.session.get(ImportBatch, batch_id, with_for_update=True)
    if batch is None or batch.questionnaire_id != questionnaire.id:
        raise ImportProblem("There is no such import")
    if batch.status != ImportStatus.COMMITTED.value:
        raise ImportProblem("This import has already been undone or was never committed")
    removed = db.session.execute(
        delete(Response)
        .where(Response.import_id == batch.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    batch.status = ImportStatus.DISCARDED.value
    batch.rows_imported = 0
    record("questionnaire.import_undo", questionnaire, actor=actor, batch=batch.id, rows=removed)
    db.session.commit()
    return removed


def imports_of(questionnaire: Questionnaire) -> list[ImportBatch]:
    return list(
        db.session.execute(
            select(ImportBatch)
            .where(
                ImportBatch.questionnaire_id == questionnaire.id,
                ImportBatch.status != ImportStatus.UPLOADED.value,
            )
            .order_by(ImportBatch.created_at.desc())
        ).scalars()
    )


def _cleanup_stale(now: datetime) -> int:
    """Forget uploads nobody finished within a day (only flushes)."""
    return db.session.execute(
        delete(ImportBatch)
        .where(
            ImportBatch.status == ImportStatus.UPLOADED.value,
            ImportBatch.created_at < now - STALE_AFTER,
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def cleanup_stale_uploads(now: datetime | None = None) -> int:
    removed = _cleanup_stale(now or utcnow())
    db.session.commit()
    return removed
