"""Roadmap rules: progress roll-up, cycles refused, optimistic locking, live evidence,
publishing that tells each consenting participant once (over real SMTP), privacy."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Response
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.privacy import services as privacy
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap import public, services
from ohwb_engage.roadmap.models import Programme, ProgrammeNotice, RoadmapItem
from ohwb_engage.themes import review
from ohwb_engage.themes.models import ThemeMember
from tests.factories import make_staff
from tests.feedback.factories import make_event, make_registration
from tests.roadmap.factories import make_item, make_programme
from tests.smtp import SMTPServer
from tests.themes.factories import make_answers, make_framework


def _node(id, parent=None, progress=0, status="in_progress", position=0):
    return SimpleNamespace(
        id=id, parent_id=parent, progress=progress, status=status, position=position
    )


def _details(**overrides) -> services.ItemDetails:
    values = dict(
        title="Item",
        description="",
        horizon="short",
        owner="OH lead",
        status="in_progress",
        progress=10,
        parent_id=None,
        theme_ids=(),
    )
    values.update(overrides)
    return services.ItemDetails(**values)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


# Roll-up ----------------------------------------------------------------------------------


def test_parent_progress_is_mean_of_children_recursively_without_dropped() -> None:
    items = [
        _node(1),
        _node(2, parent=1, progress=20),
        _node(3, parent=1, progress=0, status="done"),  # done counts as 100
        _node(4, parent=1, progress=90, status="dropped"),  # left out
        _node(5, parent=2, progress=40),
        _node(6, parent=2, progress=80),
    ]
    progress = tree.rolled_up(items)
    assert progress[2] == 60  # mean of 40 and 80; its own typed 20 is ignored
    assert progress[3] == 100
    assert progress[1] == 80  # mean of 60 and 100; dropped 90 excluded
    assert progress[4] == 90  # a dropped item still shows its own progress


def test_parent_whose_children_are_all_dropped_counts_as_a_leaf() -> None:
    items = [_node(1, progress=35), _node(2, parent=1, progress=100, status="dropped")]
    assert tree.rolled_up(items)[1] == 35


def test_flatten_orders_depth_first_by_position() -> None:
    items = [_node(1, position=1), _node(2, position=0), _node(3, parent=1), _node(4, parent=3)]
    rows = tree.flatten(items)
    assert [(r.item.id, r.depth) for r in rows] == [(2, 0), (1, 0), (3, 1), (4, 2)]


# Items, cycles, locking -------------------------------------------------------------------


def test_create_update_and_audit(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    programme = make_programme(app)
    with app.app_context():
        parent = services.create_item(programme, _details(title="Parent"), actor=_user(staff))
        child = services.create_item(
            programme, _details(title="Child", parent_id=parent.id), actor=_user(staff)
        )
        services.update_item(
            child.id,
            _details(title="Child done", parent_id=parent.id, status="done", progress=5),
            child.lock_version,
            actor=_user(staff),
        )
        child_id = child.id
    with app.app_context():
        stored = db.session.get(RoadmapItem, child_id)
        assert (stored.title, stored.status, stored.progress) == ("Child done", "done", 100)
        assert stored.lock_version == 2
        actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
        assert list(actions) == [
            "roadmap.item_create",
            "roadmap.item_create",
            "roadmap.item_update",
        ]


def test_an_item_cannot_become_its_own_ancestor(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    programme = make_programme(app)
    top = make_item(app, programme, "Top")
    middle = make_item(app, programme, "Middle", parent_id=top)
    bottom = make_item(app, programme, "Bottom", parent_id=middle)
    with app.app_context():
        for parent in (bottom, middle, top):
            with pytest.raises(services.CycleRefused, match="cannot sit under itself"):
                services.update_item(
                    top, _details(title="Top", parent_id=parent), None, actor=_user(staff)
                )
    with app.app_context():
        assert db.session.get(RoadmapItem, top).parent_id is None
        assert db.session.get(RoadmapItem, top).lock_version == 1


def test_parent_from_another_programme_is_refused(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    one, other = make_programme(app), make_programme(app)
    elsewhere = make_item(app, other)
    with app.app_context(), pytest.raises(services.BadParent):
        services.create_item(one, _details(parent_id=elsewhere), actor=_user(staff))


def test_stale_edit_is_a_conflict_and_overwrites_nothing(app: Flask) -> None:
    first, second = make_staff(app, "analyst"), make_staff(app, "admin")
    programme = make_programme(app)
    item = make_item(app, programme, "Original")
    with app.app_context():
        services.update_item(item, _details(title="First edit"), 1, actor=_user(first))
    with app.app_context(), pytest.raises(services.EditConflict, match="not saved"):
        services.update_item(item, _details(title="Second edit"), 1, actor=_user(second))
    with app.app_context():
        assert db.session.get(RoadmapItem, item).title == "First edit"


def test_theme_only_edit_bumps_the_version(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    answers = make_answers(app, ["more physio", "faster referrals"])
    framework, themes = make_framework(app, {"Access": answers})
    programme = make_programme(app, framework_id=framework)
    item = make_item(app, programme, "Same")
    with app.app_context():
        services.update_item(
            item, _details(title="Same", theme_ids=(themes["Access"],)), 1, actor=_user(staff)
        )
    with app.app_context():
        stored = db.session.get(RoadmapItem, item)
        assert [t.id for t in stored.themes] == [themes["Access"]]
        assert stored.lock_version == 2


def test_themes_must_come_from_the_programme_framework(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    answers = make_answers(app, ["a", "b"])
    framework, _ = make_framework(app, {"Mine": answers[:1]})
    _, foreign = make_framework(app, {"Foreign": answers[1:]})
    programme = make_programme(app, framework_id=framework)
    with app.app_context(), pytest.raises(services.BadThemes):
        services.create_item(
            programme, _details(theme_ids=(foreign["Foreign"],)), actor=_user(staff)
        )


def test_deleting_a_parent_moves_its_children_up(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    programme = make_programme(app)
    top = make_item(app, programme, "Top")
    middle = make_item(app, programme, "Middle", parent_id=top)
    leaf = make_item(app, programme, "Leaf", parent_id=middle)
    with app.app_context():
        services.delete_item(middle, 1, actor=_user(staff))
    with app.app_context():
        assert db.session.get(RoadmapItem, middle) is None
        assert db.session.get(RoadmapItem, leaf).parent_id == top


def test_reordering_swaps_siblings_and_keeps_versions(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    programme = make_programme(app)
    first = make_item(app, programme, "First", position=0)
    second = make_item(app, programme, "Second", position=1)
    with app.app_context():
        services.move_item(second, "up", actor=_user(staff))
    with app.app_context():
        rows = tree.flatten(db.session.get(Programme, programme).items)
        assert [r.item.id for r in rows] == [second, first]
        assert db.session.get(RoadmapItem, second).lock_version == 1


def test_framework_change_refused_while_items_link_to_its_themes(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    answers = make_answers(app, ["a"])
    framework, themes = make_framework(app, {"T": answers})
    programme = make_programme(app, framework_id=framework, slug="keep")
    make_item(app, programme, theme_ids=[themes["T"]])
    details = services.ProgrammeDetails("Renamed", "", None, "keep")
    with app.app_context(), pytest.raises(services.FrameworkInUse):
        services.update_programme(programme, details, 1, actor=_user(staff))
    with app.app_context():
        assert db.session.get(Programme, programme).framework_id == framework


def test_slugs_are_unique_and_well_formed(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    make_programme(app, slug="healthy-nhs")
    with app.app_context():
        with pytest.raises(services.SlugTaken, match="already uses"):
            services.create_programme(
                services.ProgrammeDetails("X", "", None, "healthy-nhs"), actor=_user(staff)
            )
        with pytest.raises(services.SlugTaken, match="lower-case"):
            services.create_programme(
                services.ProgrammeDetails("X", "", None, "Bad Slug!"), actor=_user(staff)
            )
        made = services.create_programme(
            services.ProgrammeDetails("OH & Wellbeing: 2027", "", None, ""), actor=_user(staff)
        )
        assert made.slug == "oh-wellbeing-2027"


# Evidence ---------------------------------------------------------------------------------


def test_item_evidence_follows_the_live_framework(app: Flask) -> None:
    answers = make_answers(app, ["physio waits", "physio access", "night shifts", "rotas"])
    framework, themes = make_framework(app, {"Physio": answers[:2], "Shifts": answers[2:]})
    programme = make_programme(app, framework_id=framework)
    item = make_item(app, programme, theme_ids=[themes["Physio"]])
    with app.app_context():
        assert services.item_evidence(db.session.get(RoadmapItem, item)).answers == 2
    with app.app_context():  # an analyst moves an answer into the theme
        db.session.add(ThemeMember(theme_id=themes["Physio"], answer_id=answers[2]))
        db.session.commit()
    with app.app_context():
        evidence = services.item_evidence(db.session.get(RoadmapItem, item))
        assert evidence.answers == 3 and evidence.responses == 3


def test_items_follow_their_themes_into_a_merge(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    answers = make_answers(app, ["physio waits", "physio access", "msk clinic", "rotas"])
    framework, themes = make_framework(
        app, {"Physio": answers[:2], "MSK": answers[2:3], "Rotas": answers[3:]}
    )
    programme = make_programme(app, framework_id=framework)
    msk_only = make_item(app, programme, "MSK clinic", theme_ids=[themes["MSK"]])
    both = make_item(app, programme, "Both", theme_ids=[themes["Physio"], themes["MSK"]])
    with app.app_context():
        review.merge_themes(framework, themes["Physio"], [themes["MSK"]], actor=_user(staff))
    with app.app_context():
        for item_id in (msk_only, both):
            item = db.session.get(RoadmapItem, item_id)
            assert [t.id for t in item.themes] == [themes["Physio"]]
            assert services.item_evidence(item).answers == 3  # the merged theme, live
        assert db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "roadmap.items_relinked")
        ).scalar_one().details["items"] == [msk_only]


# Publishing -------------------------------------------------------------------------------


def _participants(app: Flask) -> tuple[int, int, list[int]]:
    """A framework over one event's answers; registrants with and without consent."""
    event = make_event(app)
    other_event = make_event(app)
    make_registration(app, event, "yes@example.org")
    make_registration(app, event, "no@example.org")
    make_registration(app, other_event, "elsewhere@example.org")
    answers = make_answers(app, ["more physio", "less waiting", "kinder rotas"], event_id=event)
    with app.app_context():
        from ohwb_engage.workshops.models import Registration

        for email in ("yes@example.org", "elsewhere@example.org"):
            db.session.execute(
                Registration.__table__.update()
                .where(Registration.email == email)
                .values(consent_contact=True)
            )
        # A respondent who ticked "tell me" on the form, through their registration.
        respondent = make_registration_row(event, "Respondent@Example.org")
        response_id = db.session.execute(
            select(Answer.response_id).where(Answer.id == answers[0])
        ).scalar_one()
        response = db.session.get(Response, response_id)
        response.registration_id = respondent
        response.contact_consent = True
        db.session.commit()
    framework, themes = make_framework(app, {"Access": answers})
    return framework, themes["Access"], answers


def make_registration_row(event_id: int, email: str) -> int:
    from ohwb_engage.workshops.models import Registration

    registration = Registration(event_id=event_id, email=email, name="R", status="cancelled")
    db.session.add(registration)
    db.session.flush()
    return registration.id


def test_publish_mails_each_consenting_participant_once(smtp_app: Flask, smtp: SMTPServer) -> None:
    staff = make_staff(smtp_app, "analyst")
    framework, theme, _ = _participants(smtp_app)
    programme = make_programme(smtp_app, framework_id=framework, slug="you-said")
    make_item(smtp_app, programme, "Physio in a week", theme_ids=[theme])
    with smtp_app.app_context():
        result = public.publish(programme, actor=_user(staff))
        assert result.first_time and result.notified == 2
    for address in ("yes@example.org", "respondent@example.org"):
        message = smtp.wait_for(address)[0]
        assert "/roadmap/p/you-said" in message.text()
    with smtp_app.app_context():
        again = public.publish(programme, actor=_user(staff))
        assert not again.first_time and again.notified == 0
        public.unpublish(programme, actor=_user(staff))
        assert public.publish(programme, actor=_user(staff)).notified == 0
    with smtp_app.app_context():
        assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 2
        assert db.session.execute(select(func.count()).select_from(ProgrammeNotice)).scalar() == 2
        stored = db.session.execute(select(ProgrammeNotice.address_hash)).scalars().all()
        assert all("@" not in h for h in stored)
    assert smtp.to("no@example.org") == [] and smtp.to("elsewhere@example.org") == []


def test_publishing_needs_a_framework(app: Flask) -> None:
    staff = make_staff(app, "analyst")
    programme = make_programme(app)
    with app.app_context(), pytest.raises(services.RoadmapError, match="framework"):
        public.publish(programme, actor=_user(staff))
    with app.app_context():
        assert db.session.get(Programme, programme).public_published_at is None


def test_public_page_pools_small_groups_and_quotes_only_with_consent(app: Flask) -> None:
    texts = [f"We need faster physio, said person {n}" for n in range(7)]
    groups = ["OH lead"] * 5 + ["Trade union representative"] * 2
    answers = make_answers(app, texts, groups=groups)
    framework, themes = make_framework(app, {"Physio": answers}, quotes={"Physio": answers[:3]})
    with app.app_context():
        quoted = db.session.execute(
            select(Answer.response_id).where(Answer.id == answers[1])
        ).scalar_one()
        db.session.get(Response, quoted).may_quote = True
        db.session.commit()
    programme = make_programme(app, framework_id=framework, published=True)
    make_item(app, programme, "Physio within a week", theme_ids=[themes["Physio"]], progress=40)
    with app.app_context():
        page = public.page_for(db.session.get(Programme, programme))
    (theme,) = page.themes
    assert theme.responses == 7
    assert theme.groups == (("OH lead", 5),)
    assert theme.other_groups == 0  # two from a small group: neither shown nor counted alone
    assert theme.quotes == ("We need faster physio, said person 1",)
    assert [(i.title, i.progress) for i in theme.items] == [("Physio within a week", 40)]


# Privacy ----------------------------------------------------------------------------------


def test_notices_are_exported_and_erased_with_the_address(app: Flask) -> None:
    admin = make_staff(app, "admin")
    programme = make_programme(app, title="Healthy teams")
    with app.app_context():
        db.session.add(
            ProgrammeNotice(programme_id=programme, address_hash=privacy.subject_hash("A@x.org"))
        )
        db.session.commit()
        data = privacy.collect("a@x.org")
        assert [n["programme"] for n in data["roadmap_notices"]] == ["Healthy teams"]
        privacy.erase("a@x.org", actor=_user(admin))
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ProgrammeNotice)).scalar() == 0


def test_two_analysts_cannot_build_a_cycle_between_them(app: Flask) -> None:
    """A under B and B under A at the same moment: the programme lock makes them take
    turns, so the second sees the first and is refused."""
    first, second = make_staff(app, "analyst"), make_staff(app, "admin")
    programme = make_programme(app)
    a, b = make_item(app, programme, "A"), make_item(app, programme, "B")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def move(name: str, item_id: int, parent_id: int, user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.update_item(
                    item_id, _details(title=name, parent_id=parent_id), 1, actor=_user(user_id)
                )
                outcomes[name] = "saved"
            except services.CycleRefused:
                outcomes[name] = "refused"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=move, args=("A", a, b, first)),
        threading.Thread(target=move, args=("B", b, a, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    with app.app_context():
        parents = {i.id: i.parent_id for i in db.session.get(Programme, programme).items}
        assert not tree.would_cycle(a, parents[a], parents) and None in parents.values()


def test_two_publishes_at_once_mail_each_address_once(app: Flask) -> None:
    first, second = make_staff(app, "analyst"), make_staff(app, "admin")
    framework, theme, _ = _participants(app)
    programme = make_programme(app, framework_id=framework)
    make_item(app, programme, theme_ids=[theme])
    barrier = threading.Barrier(2)
    told: list[int] = []

    def publish(user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                told.append(public.publish(programme, actor=_user(user_id)).notified)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(told) == [0, 2]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 2
