"""Read and write TSV/CSV tables for the command line, with one clear error each.

Rows are streamed with the csv module (no pandas), so large files never need more
than the list of texts in memory.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["InputError", "delimiter_for", "read_columns", "write_table"]


class InputError(Exception):
    """A problem with the user's input file, shown as one line on stderr."""


def delimiter_for(path: str | Path) -> str:
    """Tab for .tsv/.tab/.txt, comma for .csv (chosen by extension)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".tsv", ".tab", ".txt"):
        return "\t"
    if suffix == ".csv":
        return ","
    raise InputError(f"{path}: unknown file type {suffix or '(none)'}; use .tsv or .csv")


def read_columns(path: str | Path, columns: Sequence[str]) -> dict[str, list[str]]:
    """The named columns of a TSV/CSV file with a header row, as lists of strings."""
    delimiter = delimiter_for(path)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(f"{path}: the file is empty") from None
            header = [h.strip() for h in header]
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError(f"{path}: no column {missing[0]!r} (columns: {', '.join(header)})")
            where = [header.index(c) for c in columns]
            out: dict[str, list[str]] = {c: [] for c in columns}
            for row in reader:
                if not row:
                    row = []
                for c, j in zip(columns, where, strict=True):
                    out[c].append(row[j] if j < len(row) else "")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InputError(f"{path}: unreadable table ({exc})") from None
    if not out[columns[0]]:
        raise InputError(f"{path}: the file has a header but no rows")
    return out


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a TSV/CSV file (by extension) with a header row."""
    delimiter = delimiter_for(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
