"""Participants for load tests and the benchmark: each opens the form, then submits it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.feedback.helpers import hidden_fields
from tests.live import Browserless
from tests.storm import Post


def participant_text(n: int) -> str:
    """Unique free text per participant, with the characters that break naive storage."""
    return (
        f"Participant {n}: café-style drop-ins help \u2013 “really” ✓ 🙂\n"
        f"Line two with <b>markup</b> & 'quotes'; {'word ' * (n % 40)}end."
    )


@dataclass
class Participant:
    """A browser-like client holding its session cookie and the form it was given."""

    client: Browserless
    path: str
    question_id: int
    text: str
    form: dict[str, str] | None = None

    def open(self) -> int:
        status, html = self.client.get(self.path)
        self.form = {
            **hidden_fields(html),
            f"q{self.question_id}": self.text,
            "stakeholder_group": "none",
            "consent": "y",
        }
        return status

    def submission(self) -> Post:
        """The filled-in form as the browser posts it, with its session cookie."""
        assert self.form is not None
        url = self.client.base_url + self.path + "?page=1"
        return Post(url, self.form, dict(self.client.cookies))


def participants(base_url: str, code: str, question_id: int, n: int) -> list[Participant]:
    return [
        Participant(Browserless(base_url), f"/q/{code}", question_id, participant_text(i))
        for i in range(n)
    ]


def opening(people: list[Participant]) -> list[Callable[[], tuple[int, float]]]:
    return [lambda p=p: (p.open(), 0.0) for p in people]


def submissions(people: list[Participant]) -> list[Post]:
    return [p.submission() for p in people]
