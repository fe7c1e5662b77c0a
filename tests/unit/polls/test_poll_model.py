"""Pure poll rules: spec validation, lifecycle, eligibility, whole ballots, visibility."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from bot.core.errors import DomainError
from bot.members.model import College, Member, Role, Statutes
from bot.polls.model import (
    TRANSITIONS,
    Audience,
    DecisionRules,
    Poll,
    PollKind,
    PollSpec,
    PollStatus,
    ResultsVisibility,
    Secrecy,
)
from bot.polls.questions import QuestionMethod, new_question

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
STATUTES = Statutes(
    version=3,
    colleges=(
        College("salaries", "Salariés", "Employees", Fraction(2, 5)),
        College("usagers", "Usagers", "Users", Fraction(2, 5)),
        College("collectivites", "Collectivités", "Authorities", Fraction(1, 5)),
    ),
)
QUESTIONS = (
    new_question("Adopter ?", QuestionMethod.SINGLE, ["Pour", "Contre"]),
    new_question("Un mot ?", QuestionMethod.FREE_TEXT, optional=True),
)


def member(*roles: Role, college: str | None = "salaries", active: bool = True) -> Member:
    return Member(1, 1, "Awa", frozenset(roles or (Role.PARTICIPANT,)), college, active=active)


def poll(status: PollStatus = PollStatus.OPEN, **changes: object) -> Poll:
    spec = PollSpec(title="Budget", kind=PollKind.DELIBERATION, questions=QUESTIONS)
    return Poll(7, 1, status, replace(spec, **changes).validate(STATUTES))  # type: ignore[arg-type]


def key_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.key


def test_validation_normalises_the_spec() -> None:
    spec = PollSpec(title="  Budget ", summary=" Résumé ", questions=QUESTIONS).validate(STATUTES)
    assert (spec.title, spec.summary) == ("Budget", "Résumé")
    assert [q.position for q in spec.questions] == [1, 2]
    assert spec.secrecy is Secrecy.SECRET and spec.visibility is ResultsVisibility.AFTER_CLOSE
    deliberation = replace(spec, kind=PollKind.DELIBERATION).validate(STATUTES)
    assert deliberation.audience.roles == {Role.ASSOCIATE}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"title": ""}, "poll.title_empty"),
        ({"title": "x" * 201}, "poll.title_too_long"),
        ({"summary": "x" * 2001}, "poll.summary_too_long"),
        ({"audience": Audience(colleges=frozenset({"inconnu"}))}, "college.unknown"),
        (
            {"audience": Audience(roles=frozenset({Role.BOARD}))},
            "poll.deliberation_associates_only",
        ),
        ({"opens_at": NOW, "closes_at": NOW}, "poll.bad_dates"),
        ({"quorum": Fraction(3, 2)}, "poll.bad_quorum"),
        ({"majority": Fraction(2, 5)}, "poll.bad_majority"),
        ({"questions": QUESTIONS * 16}, "poll.too_many_questions"),
    ],
)
def test_bad_specs_are_refused(changes: dict, key: str) -> None:  # type: ignore[type-arg]
    assert key_of(lambda: poll(**changes)) == key


def test_every_status_has_its_moves() -> None:
    assert set(TRANSITIONS) == set(PollStatus)
    draft = poll(PollStatus.DRAFT)
    draft.check_transition(PollStatus.OPEN, NOW)
    assert key_of(lambda: draft.check_transition(PollStatus.CLOSED, NOW)) == "poll.bad_transition"
    assert (
        key_of(lambda: draft.check_transition(PollStatus.SCHEDULED, NOW)) == "poll.opens_in_past"
    )
    poll(PollStatus.DRAFT, opens_at=NOW + HOUR).check_transition(PollStatus.SCHEDULED, NOW)
    empty = poll(PollStatus.DRAFT, questions=())
    assert key_of(lambda: empty.check_transition(PollStatus.OPEN, NOW)) == "poll.no_questions"
    late = poll(PollStatus.DRAFT, closes_at=NOW - HOUR)
    assert key_of(lambda: late.check_transition(PollStatus.OPEN, NOW)) == "poll.closes_in_past"
    for status in (PollStatus.CLOSED, PollStatus.CANCELLED):
        poll(status).check_transition(PollStatus.ARCHIVED, NOW)
    assert TRANSITIONS[PollStatus.ARCHIVED] == frozenset()


def test_edits_only_while_draft() -> None:
    poll(PollStatus.DRAFT).check_editable()
    for status in set(PollStatus) - {PollStatus.DRAFT}:
        assert key_of(poll(status).check_editable) == "poll.not_draft"


def test_accepting_ballots_depends_on_status_and_time() -> None:
    open_poll = poll(closes_at=NOW + HOUR)
    assert open_poll.accepting(NOW) and not open_poll.accepting(NOW + HOUR)
    assert key_of(lambda: open_poll.check_accepting(NOW + HOUR)) == "poll.closed"
    scheduled = poll(PollStatus.SCHEDULED, opens_at=NOW + HOUR)
    assert not scheduled.accepting(NOW) and scheduled.accepting(NOW + HOUR)
    assert scheduled.due_to_open(NOW + HOUR) and not scheduled.due_to_open(NOW)
    assert key_of(lambda: scheduled.check_accepting(NOW)) == "poll.not_open"
    assert key_of(lambda: poll(PollStatus.CANCELLED).check_accepting(NOW)) == "poll.cancelled"
    assert key_of(lambda: poll(PollStatus.CLOSED).check_accepting(NOW)) == "poll.closed"
    assert open_poll.due_to_close(NOW + HOUR) and not poll().due_to_close(NOW + HOUR)


def test_eligibility_by_role_college_and_activity() -> None:
    vote = poll()
    assert vote.is_eligible(member(Role.ASSOCIATE))
    assert not vote.is_eligible(member(Role.PARTICIPANT, Role.ADMIN, Role.BOARD))
    assert not vote.is_eligible(member(Role.ASSOCIATE, college=None))
    assert not vote.is_eligible(member(Role.ASSOCIATE, active=False))
    assert key_of(lambda: vote.check_eligible(member())) == "poll.not_eligible"
    survey = poll(kind=PollKind.CONSULTATION, audience=Audience(colleges=frozenset({"usagers"})))
    assert survey.is_eligible(member(college="usagers"))
    assert not survey.is_eligible(member(college="salaries"))
    everyone = poll(kind=PollKind.CONSULTATION)
    assert everyone.is_eligible(member(college=None))
    staff = poll(kind=PollKind.CONSULTATION, audience=Audience(roles=frozenset({Role.BOARD})))
    assert staff.is_eligible(member(Role.BOARD)) and not staff.is_eligible(member())


def test_a_ballot_is_checked_whole() -> None:
    vote = poll()
    assert vote.check_ballot({1: "A"}) == {1: "A"}
    assert vote.check_ballot({1: None, 2: " Merci "}) == {1: None, 2: "Merci"}
    assert key_of(lambda: vote.check_ballot({2: "x"})) == "ballot.missing_answer"
    assert key_of(lambda: vote.check_ballot({1: "A", 3: "x"})) == "ballot.unknown_question"
    with pytest.raises(DomainError) as caught:
        vote.check_ballot({1: "Z"})
    assert caught.value.params["question"] == 1


@pytest.mark.parametrize(
    ("visibility", "status", "voted", "who", "sees"),
    [
        (ResultsVisibility.AFTER_CLOSE, PollStatus.OPEN, True, "voter", False),
        (ResultsVisibility.AFTER_CLOSE, PollStatus.OPEN, False, "admin", False),
        (ResultsVisibility.AFTER_CLOSE, PollStatus.CLOSED, False, "voter", True),
        (ResultsVisibility.AFTER_CLOSE, PollStatus.ARCHIVED, False, "board", True),
        (ResultsVisibility.AFTER_CLOSE, PollStatus.CLOSED, False, "outsider", False),
        (ResultsVisibility.AFTER_VOTING, PollStatus.OPEN, True, "voter", True),
        (ResultsVisibility.AFTER_VOTING, PollStatus.OPEN, False, "voter", False),
        (ResultsVisibility.LIVE, PollStatus.OPEN, False, "voter", True),
        (ResultsVisibility.LIVE, PollStatus.OPEN, False, "admin", True),
        (ResultsVisibility.LIVE, PollStatus.OPEN, False, "outsider", False),
        (ResultsVisibility.LIVE, PollStatus.DRAFT, False, "admin", False),
        (ResultsVisibility.LIVE, PollStatus.CANCELLED, False, "admin", False),
    ],
)
def test_who_sees_results_when(visibility, status, voted: bool, who: str, sees: bool) -> None:  # type: ignore[no-untyped-def]
    people = {
        "voter": member(Role.ASSOCIATE),
        "admin": member(Role.ADMIN, college=None),
        "board": member(Role.BOARD, college=None),
        "outsider": member(Role.PARTICIPANT, college=None),
    }
    assert poll(status, visibility=visibility).results_visible(people[who], voted) is sees


def test_decision_rules_come_from_statutes_unless_overridden() -> None:
    statutes = replace(STATUTES, quorum=Fraction(1, 4))
    spec = poll().spec
    assert DecisionRules.for_poll(spec, statutes) == DecisionRules(Fraction(1, 4), Fraction(1, 2))
    extraordinary = replace(spec, extraordinary=True)
    assert DecisionRules.for_poll(extraordinary, statutes).majority == Fraction(2, 3)
    own = replace(spec, quorum=Fraction(0), majority=Fraction(3, 4), extraordinary=True)
    assert DecisionRules.for_poll(own, statutes) == DecisionRules(Fraction(0), Fraction(3, 4))
