"""Demo themes: one discovery over the demo's KLOE answers, made into a framework, so
``seed-demo`` leaves a workspace ready to review. Runs inline (no worker needed) and
deterministically (a fixed seed), in a few seconds on the demo corpus.
"""

from __future__ import annotations

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import QuestionnaireKind
from ohwb_engage.feedback.services import CorpusFilters
from ohwb_engage.themes import runs
from ohwb_engage.themes.models import RunStatus, ThemeRun

FILTERS = CorpusFilters(kinds=(QuestionnaireKind.KLOE.value,))
# The demo's phrase banks hold twelve themes; let the data choose around that.
SETTINGS = runs.RunSettings(min_themes=6, max_themes=14, seed=2025)
FRAMEWORK_NAME = "Key lines of enquiry: themes (demo)"


def seed(staff: dict[str, User]) -> list[str]:
    analyst = staff["analyst"]
    try:
        run_id = runs.start_run(FILTERS, SETTINGS, actor=analyst, run_now=True)
    except runs.CorpusTooSmall as exc:
        return [f"Themes: no demo run ({exc})"]
    run = db.session.get(ThemeRun, run_id)
    db.session.refresh(run)
    if run.status != RunStatus.SUCCEEDED.value:
        return [f"Themes: the demo run {run_id} failed: {run.error}"]
    runs.create_framework(run_id, name=FRAMEWORK_NAME, actor=analyst)
    return [
        f"Themes: run {run_id} found {run.summary.get('n_themes', 0)} themes in "
        f'{run.corpus_size} KLOE answers; framework "{FRAMEWORK_NAME}" is ready to review.'
    ]
