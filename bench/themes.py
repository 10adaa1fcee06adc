"""Benchmark the theme engine against plain baselines measured in the same run.

    python bench/themes.py --quick            # slices of each dataset, a few minutes
    python bench/themes.py                    # full datasets (discovery + mapping)
    python bench/themes.py --semantic         # also with sentence embeddings (extra)
    python bench/themes.py --scale            # time and peak memory at 10k/50k/100k
    python bench/themes.py --skip discovery --map-all 10302 100000   # "Map all" timing

Data: ``../shared/data`` relative to the project root (or ``--data``); skipped with a
message when absent. Prints Markdown tables; ``--json FILE`` also saves the figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ohwb_engage.themes.engine import (  # noqa: E402
    ThemeDiscoverer,
    ThemeMapper,
    clustering_scores,
    evaluate_mapping,
)
from ohwb_engage.themes.engine.metrics import predicted_groups  # noqa: E402

DATASETS = {
    "stackoverflow": ("stackoverflow/stackoverflow.tsv", "label"),
    "searchsnippets": ("searchsnippets/searchsnippets.tsv", "label"),
    "googlenews": ("googlenews/googlenews_TS.tsv", "label_id"),
    "nhs_fft_phase1": ("nhs_fft_phase1/nhs_fft_phase1.tsv", "label"),
}


def load(data: Path, rel: str, columns: list[str]) -> dict[str, list[str]]:
    with open(data / rel, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {c: [r[c] for r in rows] for c in columns}


def subsample(n: int, limit: int | None, seed: int = 0) -> np.ndarray:
    if limit is None or n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


# -- embeddings (semantic extra), cached because they take minutes on 2 cores -------------
def embeddings(texts: list[str], cache: Path) -> np.ndarray:
    from ohwb_engage.themes.engine import semantic

    raw = ("\x1f".join(texts) + semantic.MODEL_NAME).encode()
    key = hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]  # a cache key only
    path = cache / f"{key}.npy"
    semantic.enable_cache()
    if path.is_file():
        emb = np.load(path)
        semantic.remember(texts, emb)  # the mapper then embeds each text only once
        return emb
    t = time.perf_counter()
    emb = semantic.embed(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    print(f"  (embedded {len(texts):,} texts in {time.perf_counter() - t:.0f}s)", file=sys.stderr)
    return emb


# -- discovery ---------------------------------------------------------------------------
def baseline_kmeans(texts: list[str], k: int, seed: int = 0) -> tuple[list[int], float]:
    """Plain TF-IDF + KMeans, the reference every figure is compared with."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    t = time.perf_counter()
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    labels = KMeans(k, n_init=3, random_state=seed).fit_predict(x)
    return labels.tolist(), time.perf_counter() - t


def run_discovery(args, data: Path) -> list[dict]:
    rows = []
    for name, (rel, label_col) in DATASETS.items():
        if args.datasets and name not in args.datasets:
            continue
        d = load(data, rel, ["text", label_col])
        idx = subsample(len(d["text"]), args.limit)
        texts = [d["text"][i] for i in idx]
        truth = [d[label_col][i] for i in idx]
        k_true = len(set(truth))
        print(f"{name}: {len(texts):,} texts, {k_true} labels", file=sys.stderr)
        base, t_base = baseline_kmeans(texts, k_true)
        s = clustering_scores(truth, base)
        rows.append(dict(dataset=name, method="TF-IDF + KMeans (baseline)", k=k_true, themes=k_true,
                         unassigned=0.0, stability=None, seconds=t_base, **s))  # fmt: skip
        emb = None
        variants = [("engine", None)]
        if args.semantic:
            emb = embeddings(texts, args.embedding_cache)
            variants.append(("engine + embeddings", emb))
        # "auto" keeps the default bounds (2-30); "auto 2-70" lets the data go up to the
        # theme-set cap, which is what many small themes (googlenews) need.
        runs = [(k_true, min(k_true, 70), 70), ("auto", "auto", 30), ("auto 2-70", "auto", 70)]
        for label, e in variants:
            for k, kk, hi in runs:
                t = time.perf_counter()
                r = ThemeDiscoverer(n_themes=kk, max_themes=hi,
                                    random_state=0).fit(texts, embeddings=e).result_  # fmt: skip
                secs = time.perf_counter() - t
                s = clustering_scores(truth, predicted_groups(r.assignments, r.status))
                rows.append(dict(dataset=name, method=label, k=k, themes=r.n_themes,
                                 unassigned=r.unassigned_share, stability=r.stability,
                                 seconds=secs, **s))  # fmt: skip
                print(f"  {label} k={k}: {rows[-1]}", file=sys.stderr)
    return rows


# -- mapping -----------------------------------------------------------------------------
def baseline_svc(train_x, train_y, test_x) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    model = LinearSVC().fit(vec.fit_transform(train_x), train_y)
    return model.predict(vec.transform(test_x)).tolist()


def run_mapping(args, data: Path) -> list[dict]:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    d = load(data, DATASETS["nhs_fft_phase1"][0], ["text", "label", "subcategory"])
    texts = np.array(d["text"], dtype=object)
    train, test = train_test_split(np.arange(len(texts)), test_size=0.2, random_state=0)
    if args.limit:
        train, test = train[: args.limit], test[: max(500, args.limit // 4)]
    rows = []
    emb_all = embeddings(list(texts), args.embedding_cache) if args.semantic else None
    for target in args.targets:
        y = np.array(d[target], dtype=object)
        for per in args.per_theme:
            rng = np.random.default_rng(0)
            if per is None:
                coded = train
            else:
                coded = np.sort(np.concatenate([
                    rng.permutation(train[y[train] == c])[:per] for c in sorted(set(y[train]))
                ]))  # fmt: skip
            pool = np.setdiff1d(train, coded)
            t = time.perf_counter()
            base = baseline_svc(list(texts[coded]), list(y[coded]), list(texts[test]))
            t_base = time.perf_counter() - t
            rows.append(dict(target=target, per_theme=per or "all", n_coded=len(coded),
                             method="TF-IDF + LinearSVC (baseline)",
                             accuracy=accuracy_score(y[test], base),
                             macro_f1=f1_score(y[test], base, average="macro"),
                             seconds=t_base))  # fmt: skip
            variants = [("engine", False)] + (
                [("engine + embeddings", True)] if args.semantic else []
            )
            for label, use_emb in variants:
                t, cpu = time.perf_counter(), time.process_time()
                mapper = ThemeMapper(random_state=0, embeddings="minilm" if use_emb else None)
                mapper.fit(list(texts[coded]), list(y[coded]), unlabeled=list(texts[pool]))
                result = mapper.predict(list(texts[test]))
                secs, cpu = time.perf_counter() - t, time.process_time() - cpu
                top = [p.top_label for p in result.predictions]
                ml = evaluate_mapping(result, list(y[test]))
                rows.append(dict(target=target, per_theme=per or "all", n_coded=len(coded),
                                 method=label, accuracy=accuracy_score(y[test], top),
                                 macro_f1=f1_score(y[test], top, average="macro"),
                                 ml_micro_f1=ml.micro_f1, ml_macro_f1=ml.macro_f1,
                                 seconds=secs, cpu_seconds=cpu))  # fmt: skip
                print(f"  mapping {target} {per}: {rows[-1]}", file=sys.stderr)
    del emb_all
    return rows


def _map_all_child(n: int, data: Path) -> None:
    """The web app's "Map all": train on the coded answers, the rest as the uncoded pool,
    then predict every answer and pick the ones to code next. n = 10,302 is the NHS set
    itself (coded = its training split); larger n adds synthetic answers to the pool."""
    from sklearn.model_selection import train_test_split

    d = load(data, DATASETS["nhs_fft_phase1"][0], ["text", "label"])
    texts, labels = d["text"], d["label"]
    train, test = train_test_split(np.arange(len(texts)), test_size=0.2, random_state=0)
    every = texts + synthetic(n - len(texts), data) if n > len(texts) else texts
    uncoded = [every[i] for i in sorted(set(range(len(every))) - set(train.tolist()))]
    t, cpu = time.perf_counter(), time.process_time()
    mapper = ThemeMapper(random_state=0)
    mapper.fit([texts[i] for i in train], [labels[i] for i in train], unlabeled=uncoded)
    fit = time.perf_counter() - t
    result = mapper.predict(every)
    mapper.suggest_for_coding(uncoded, k=20)
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    top = [result.predictions[i].top_label for i in test]
    acc = float(np.mean([p == labels[i] for p, i in zip(top, test, strict=True)]))
    print(json.dumps(dict(n=len(every), n_coded=len(train), fit_seconds=fit, seconds=secs,
                          cpu_seconds=cpu, peak_mib=_peak_mib(),
                          test_accuracy_uncoded_seen=acc)))  # fmt: skip


def run_map_all(args, data: Path) -> list[dict]:
    return _in_children("--_map-all-child", args.map_all, data)


# -- scale -------------------------------------------------------------------------------
def synthetic(n: int, data: Path, seed: int = 0) -> list[str]:
    """n answers recombined from the real datasets (so few are exact duplicates)."""
    pool: list[str] = []
    for rel, _ in DATASETS.values():
        pool += load(data, rel, ["text"])["text"]
    rng = np.random.default_rng(seed)
    a = rng.integers(len(pool), size=n)
    b = rng.integers(len(pool), size=n)
    return [f"{pool[i]} {' '.join(pool[j].split()[:4])}" for i, j in zip(a, b, strict=True)]


def _peak_mib() -> float:
    """Peak resident memory of this process in MiB.

    VmHWM belongs to the process image, so unlike ru_maxrss (which Linux carries over
    exec) it does not report the parent benchmark's memory.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _scale_child(n: int, data: Path) -> None:
    texts = synthetic(n, data)
    t = time.perf_counter()
    r = ThemeDiscoverer(random_state=0).fit(texts).result_
    secs = time.perf_counter() - t
    peak = _peak_mib()
    print(json.dumps(dict(n=n, seconds=secs, peak_mib=peak, themes=r.n_themes,
                          unassigned=r.unassigned_share, timings=r.timings)))  # fmt: skip


def _in_children(flag: str, sizes: list[int], data: Path) -> list[dict]:
    """One fresh process per size (so each peak memory is its own); its last JSON line."""
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, flag, str(n), "--data", str(data)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {flag.strip('-_')} {rows[-1]}", file=sys.stderr)
    return rows


def run_scale(args, data: Path) -> list[dict]:
    return _in_children("--_scale-child", args.scale_sizes, data)


# -- report ------------------------------------------------------------------------------
def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def table(rows: list[dict], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _per_theme(value: str) -> int | None:
    return None if value == "all" else int(value)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--quick", action="store_true", help="2,000-row slices, no scale runs")
    p.add_argument("--semantic", action="store_true", help="also with sentence embeddings")
    p.add_argument("--scale", action="store_true", help="time and memory at 10k/50k/100k")
    p.add_argument("--scale-sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    p.add_argument("--skip", nargs="*", default=[], choices=["discovery", "mapping"])
    p.add_argument("--datasets", nargs="*", choices=list(DATASETS), help="discovery subset")
    p.add_argument("--targets", nargs="+", default=["label", "subcategory"],
                   choices=["label", "subcategory"], help="mapping targets")  # fmt: skip
    p.add_argument("--per-theme", nargs="+", type=_per_theme, default=[10, 25, 50, None],
                   help="coded examples per theme for mapping (numbers or 'all')")  # fmt: skip
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ohwb_engage"
    p.add_argument("--embedding-cache", type=Path, default=cache / "bench-embeddings")
    p.add_argument("--map-all", type=int, nargs="*", default=[],
                   help="time the web app's Map all at these numbers of answers")  # fmt: skip
    p.add_argument("--_scale-child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--_map-all-child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.data.is_dir():
        print(f"skipped: no labelled data at {args.data}")
        return 0
    if args._scale_child:
        _scale_child(args._scale_child, args.data)
        return 0
    if args._map_all_child:
        _map_all_child(args._map_all_child, args.data)
        return 0
    args.limit = 2000 if args.quick else None
    if args.semantic:
        from ohwb_engage.themes.engine import semantic

        if not semantic.available():
            print("skipped --semantic: the semantic extra is not installed", file=sys.stderr)
            args.semantic = False
    out: dict[str, list[dict]] = {}
    if "discovery" not in args.skip:
        out["discovery"] = run_discovery(args, args.data)
        print("\n## Discovery (ACC / NMI / ARI against the analysts' labels)\n")
        print(table(out["discovery"], ["dataset", "method", "k", "themes", "acc", "nmi", "ari",
                                       "unassigned", "stability", "seconds"]))  # fmt: skip
    if "mapping" not in args.skip:
        out["mapping"] = run_mapping(args, args.data)
        print("\n## Mapping on nhs_fft_phase1 (80/20 split, seed 0; top label)\n")
        cols = ["target", "per_theme", "n_coded", "method", "accuracy", "macro_f1",
                "ml_micro_f1", "ml_macro_f1", "seconds", "cpu_seconds"]  # fmt: skip
        print(table(out["mapping"], cols))
    if args.map_all:
        out["map_all"] = run_map_all(args, args.data)
        print("\n## Map all (train on the NHS training split, predict every answer)\n")
        print(table(out["map_all"], ["n", "n_coded", "fit_seconds", "seconds", "cpu_seconds",
                                     "peak_mib", "test_accuracy_uncoded_seen"]))  # fmt: skip
    if args.scale and not args.quick:
        out["scale"] = run_scale(args, args.data)
        print("\n## Scale (discovery, number of themes chosen automatically)\n")
        print(table(out["scale"], ["n", "seconds", "peak_mib", "themes", "unassigned"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
