"""The command line: outputs for spreadsheets, one-line errors with exit code 2."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ohwb_engage.themes.engine.cli import main


def _write(path: Path, rows: list[list[str]], delimiter: str) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    delimiter = "\t" if path.suffix == ".tsv" else ","
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_discover_writes_every_row(tmp_path, corpus, capsys) -> None:
    texts, _ = corpus
    src = _write(tmp_path / "in.csv", [["id", "text"], *[[str(i), t] for i, t in enumerate(texts)],
                                       ["x", "n/a"]], ",")  # fmt: skip
    out = tmp_path / "out.tsv"
    code = main(["discover", str(src), "--text-column", "text", "--themes", "3",
                 "--output", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    rows = _read(out)
    assert [r["row"] for r in rows] == [str(i) for i in range(len(texts) + 1)]
    assert rows[-1]["theme"] == "-1" and rows[-1]["theme_label"] == ""
    assert {r["theme"] for r in rows[:-1]} <= {"0", "1", "2", "-1"}
    printed = capsys.readouterr().out
    assert "3 themes" in printed and "non-answers 1" in printed


def test_map_writes_labels_and_confidence(tmp_path, corpus) -> None:
    texts, labels = corpus
    coded = [[t, lab] for t, lab in zip(texts[:40], labels[:40], strict=True)]
    train = _write(tmp_path / "train.tsv", [["text", "labels"], *coded], "\t")
    apply = _write(tmp_path / "apply.csv", [["text"], *[[t] for t in texts[40:]]], ",")
    out = tmp_path / "out.csv"
    code = main(["map", "--train", str(train), "--apply", str(apply), "--text-column", "text",
                 "--label-column", "labels", "--output", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    rows = _read(out)
    assert len(rows) == len(texts) - 40
    right = sum(r["labels"] == lab for r, lab in zip(rows, labels[40:], strict=True))
    assert right / len(rows) > 0.9
    assert all(0 <= float(r["confidence"]) <= 1 for r in rows)


@pytest.mark.parametrize(
    ("content", "name", "args", "message"),
    [
        ("text\nparking\n", "in.tsv", ["--text-column", "answer"], "no column 'answer'"),
        ("", "in.tsv", [], "empty"),
        ("text\n", "in.tsv", [], "no rows"),
        ("text\nn/a\nnothing\nparking\n", "in.tsv", [], "usable"),
        ("text\nparking\n", "in.xlsx", [], "unknown file type"),
    ],
)
def test_discover_errors(tmp_path, capsys, content, name, args, message) -> None:
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    code = main(["discover", str(src), "--output", str(tmp_path / "o.tsv"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_unreadable_encoding_and_missing_file(tmp_path, capsys) -> None:
    src = tmp_path / "latin.csv"
    src.write_bytes("text\ncaf\xe9 food is poor\n".encode("latin-1"))
    assert main(["discover", str(src), "--output", str(tmp_path / "o.csv")]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["discover", str(tmp_path / "nope.csv"), "--output", "o.csv"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_map_errors(tmp_path, capsys) -> None:
    train = tmp_path / "train.tsv"
    train.write_text("text\tlabels\nparking\t\n", encoding="utf-8")
    apply = tmp_path / "apply.tsv"
    apply.write_text("text\nparking\n", encoding="utf-8")
    code = main(["map", "--train", str(train), "--apply", str(apply),
                 "--output", str(tmp_path / "o.tsv")])  # fmt: skip
    assert code == 2 and "fewer than 2" in capsys.readouterr().err
    code = main(["map", "--train", str(train), "--apply", str(apply), "--label-column", "code",
                 "--output", str(tmp_path / "o.tsv")])  # fmt: skip
    assert code == 2 and "no column 'code'" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["discover", "x.tsv", "--themes", "lots", "--output", "o.tsv"])
    assert exc.value.code == 2


def test_module_entry_point(tmp_path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    r = subprocess.run([sys.executable, "-m", "ohwb_engage.themes", "--help"], cwd=root,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0 and "discover" in r.stdout and "map" in r.stdout
