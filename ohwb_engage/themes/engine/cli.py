"""``python -m ohwb_engage.themes``: discover themes or map responses from a spreadsheet.

No app, configuration or database: a TSV/CSV in, a TSV/CSV out, a summary on stdout.
Every user error is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .io import InputError, read_columns, write_table

__all__ = ["MIN_USABLE_TEXTS", "build_parser", "main"]

#: Fewer usable answers than this cannot make even one theme worth reading.
MIN_USABLE_TEXTS = 5


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit code 2 (argparse's own code)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _themes_arg(value: str) -> str | int:
    if value == "auto":
        return value
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be 'auto' or a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="python -m ohwb_engage.themes", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    d = sub.add_parser("discover", help="find themes in a column of free text")
    d.add_argument("input", help="TSV or CSV file with a header row")
    d.add_argument("--text-column", default="text")
    d.add_argument("--themes", type=_themes_arg, default="auto", help="'auto' or a number")
    d.add_argument("--min-themes", type=int, default=2)
    d.add_argument("--max-themes", type=int, default=30)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--semantic", action="store_true", help="use sentence embeddings (extra)")
    d.add_argument("--output", required=True, help="TSV or CSV: row, theme, theme_label")
    d.add_argument("--quiet", action="store_true", help="no progress on stderr")
    m = sub.add_parser("map", help="train on coded examples, label every row of a file")
    m.add_argument("--train", required=True, help="TSV/CSV with text and label columns")
    m.add_argument("--apply", required=True, help="TSV/CSV whose rows are to be labelled")
    m.add_argument("--text-column", default="text")
    m.add_argument("--label-column", default="labels")
    m.add_argument("--separator", default="|")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--semantic", action="store_true", help="use sentence embeddings (extra)")
    m.add_argument("--output", required=True, help="TSV or CSV: row, labels, confidence")
    m.add_argument("--quiet", action="store_true")
    return p


def _progress(quiet: bool):
    if quiet:
        return None
    last = [-1]

    def report(fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if pct // 10 != last[0] // 10:
            last[0] = pct
            print(f"[{pct:3d}%] {message}", file=sys.stderr, flush=True)

    return report


def _discover(args: argparse.Namespace) -> int:
    from .discover import ThemeDiscoverer
    from .preprocess import ANSWER, DUPLICATE, Preprocessor

    texts = read_columns(args.input, [args.text_column])[args.text_column]
    usable = sum(1 for s in Preprocessor().transform(texts).status if s in (ANSWER, DUPLICATE))
    if usable < MIN_USABLE_TEXTS:
        raise InputError(
            f"{args.input}: only {usable} usable answers in column {args.text_column!r} "
            f"(need at least {MIN_USABLE_TEXTS})"
        )
    if args.min_themes < 1 or args.max_themes < args.min_themes:
        raise InputError("--min-themes must be at least 1 and no more than --max-themes")
    result = (
        ThemeDiscoverer(
            n_themes=args.themes,
            min_themes=args.min_themes,
            max_themes=args.max_themes,
            random_state=args.seed,
            embeddings="minilm" if args.semantic else None,
        )
        .fit(texts, progress=_progress(args.quiet))
        .result_
    )
    labels = {t.id: t.label for t in result.themes}
    write_table(
        args.output,
        ["row", "theme", "theme_label"],
        ((i, a, labels.get(a, "")) for i, a in enumerate(result.assignments)),
    )
    c = result.counts
    print(f"{len(texts):,} responses, {result.n_themes} themes, stability {result.stability}")
    print(
        f"unassigned {c['unassigned']:,}; non-answers {c['non_answer']:,}; empty {c['empty']:,}; "
        f"non-English {c['non_english']:,}; duplicates {c['duplicate']:,}"
    )
    print("theme\tsize\tshare\tsentiment\tlabel\tterms")
    for t in result.themes:
        terms = ", ".join(term for term, _ in t.terms[:6])
        print(f"{t.id}\t{t.size}\t{t.share:.1%}\t{t.sentiment:+.2f}\t{t.label}\t{terms}")
    return 0


def _map(args: argparse.Namespace) -> int:
    from .mapping import ThemeMapper, parse_labels

    train = read_columns(args.train, [args.text_column, args.label_column])
    apply = read_columns(args.apply, [args.text_column])[args.text_column]
    pairs = [
        (t, parse_labels(lab, args.separator))
        for t, lab in zip(train[args.text_column], train[args.label_column], strict=True)
    ]
    pairs = [(t, lab) for t, lab in pairs if t.strip() and lab]
    if len(pairs) < 2:
        raise InputError(f"{args.train}: fewer than 2 rows with both text and labels")
    mapper = ThemeMapper(random_state=args.seed, embeddings="minilm" if args.semantic else None)
    mapper.fit([t for t, _ in pairs], [lab for _, lab in pairs], unlabeled=apply,
               progress=_progress(args.quiet))  # fmt: skip
    result = mapper.predict(apply, progress=_progress(args.quiet))
    write_table(
        args.output,
        ["row", "labels", "confidence"],
        (
            (i, args.separator.join(p.labels), f"{p.confidence:.4f}")
            for i, p in enumerate(result.predictions)
        ),
    )
    n_none = sum(1 for p in result.predictions if not p.labels)
    print(
        f"trained on {len(pairs):,} coded rows, {len(mapper.classes_)} themes; "
        f"labelled {len(apply):,} rows ({n_none:,} with no theme)"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "discover":
            return _discover(args)
        return _map(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
