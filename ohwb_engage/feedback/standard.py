"""Standard question sets a facilitator can start from, one per kind of questionnaire.

They follow how the programme asked: the same key lines of enquiry everywhere, a short
evaluation straight after a session, and a follow-up some weeks later built on Kirkpatrick's
four levels (reaction, learning, behaviour, results), because what matters is whether
practice changed, not only whether people enjoyed the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ohwb_engage.feedback.models import ImpactLevel, QuestionKind, QuestionnaireKind


@dataclass(frozen=True)
class StandardQuestion:
    kind: QuestionKind
    text: str
    help_text: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    impact_level: ImpactLevel | None = None


@dataclass(frozen=True)
class StandardSection:
    title: str
    description: str = ""
    questions: tuple[StandardQuestion, ...] = field(default_factory=tuple)


Q = StandardQuestion
LONG, SHORT = QuestionKind.LONG_TEXT, QuestionKind.SHORT_TEXT

STANDARD_SETS: dict[QuestionnaireKind, tuple[StandardSection, ...]] = {
    QuestionnaireKind.KLOE: (
        StandardSection(
            "What works and what does not",
            "Think about occupational health and wellbeing support for NHS staff where you work.",
            (
                Q(LONG, "What works well in occupational health and wellbeing support today?",
                  "Give examples if you can.", required=True),
                Q(LONG, "What gets in the way of staff getting the support they need?",
                  required=True),
                Q(QuestionKind.RATING, "How well does current support meet staff needs?",
                  options=("Very poorly", "Poorly", "Adequately", "Well", "Very well")),
            ),
        ),
        StandardSection(
            "The future",
            "",
            (
                Q(LONG, "If you could change one thing about OH and wellbeing services, what "
                  "would it be?", required=True),
                Q(QuestionKind.MULTIPLE_CHOICE, "Which areas should the strategy prioritise?",
                  "Select all that apply.",
                  options=("Access to OH services", "Mental health support",
                           "Musculoskeletal support", "Manager training", "OH workforce",
                           "Data and digital", "Health inequalities")),
                Q(LONG, "Is there anything else you would like to tell us?"),
            ),
        ),
    ),
    QuestionnaireKind.SESSION_EVALUATION: (
        StandardSection(
            "Your session",
            "",
            (
                Q(QuestionKind.RATING, "Overall, how would you rate the session?", required=True,
                  impact_level=ImpactLevel.REACTION),
                Q(QuestionKind.LIKERT, "The session was relevant to my role.",
                  impact_level=ImpactLevel.REACTION),
                Q(QuestionKind.LIKERT, "I learned something I can use in my work.",
                  impact_level=ImpactLevel.LEARNING),
                Q(LONG, "What was most useful?", impact_level=ImpactLevel.LEARNING),
                Q(LONG, "What could we do better next time?"),
            ),
        ),
    ),
    QuestionnaireKind.FOLLOW_UP: (
        StandardSection(
            "Looking back",
            "A few weeks have passed since the session. We would like to know what changed.",
            (
                Q(QuestionKind.RATING, "Looking back, how useful was the session?",
                  impact_level=ImpactLevel.REACTION),
                Q(QuestionKind.LIKERT, "I still use what I learned at the session.",
                  impact_level=ImpactLevel.LEARNING),
                Q(QuestionKind.YES_NO, "Have you changed anything in your practice since the "
                  "session?", required=True, impact_level=ImpactLevel.BEHAVIOUR),
                Q(LONG, "What have you done differently, and what helped or got in the way?",
                  impact_level=ImpactLevel.BEHAVIOUR),
                Q(LONG, "What difference has it made for staff, your team or your "
                  "organisation?", impact_level=ImpactLevel.RESULTS),
            ),
        ),
    ),
    QuestionnaireKind.OPEN_CONSULTATION: (
        StandardSection(
            "Your views",
            "",
            (
                Q(LONG, "What should the programme know about occupational health and "
                  "wellbeing where you work?", required=True),
                Q(LONG, "Is there anything else you would like to tell us?"),
            ),
        ),
    ),
}  # fmt: skip
