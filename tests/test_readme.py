"""The README stays true: its two commands exist and every setting is in its table."""

from __future__ import annotations

import os
import re

from ohwb_engage.config import SETTINGS_HELP
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["scripts/run.sh", "scripts/test.sh"]
    for command in commands:
        assert os.access(PROJECT_ROOT / command, os.X_OK), command


def test_every_setting_is_documented() -> None:
    missing = [key for key in SETTINGS_HELP if f"| `{key}` |" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command_and_postgres() -> None:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci and "OHWB_TEST_DATABASE_URL" in ci
