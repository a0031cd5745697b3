"""Confirmed collaborations (issue 15 item 3): the claims naming a partnership, read from the
others' submitted answers, and its answers to them, kept apart from its own answers."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from surveys.exceptions import ResponseClosed
from surveys.models import Answer, CollaborationConfirmation, Contact, Response, Wave
from surveys.services.collaborations import collaboration_answer, collaborations_for
from surveys.values import Choice, PartnershipValue
from tests.factories import days
from tests.reports.conftest import give


def a7(*rows: tuple[str, str]) -> dict:
    return {
        "A6": Choice("yes"),
        "A7": [
            {"partnership": PartnershipValue(p), **({"purpose": purpose} if purpose else {})} for p, purpose in rows
        ],
    }


@pytest.fixture
def claims(wave_4i: Wave) -> dict[str, Response]:
    """GCA (submitted) names ELBE once, EC2i twice (two purposes) and BioXclusters; ELBE
    (submitted) names GCA; EC2i's draft names ELBE, which is no claim yet."""
    gca = give(
        wave_4i,
        "GCA",
        a7(
            ("ELBE", "Joint mission"),
            ("EC2i", "Shared training"),
            ("BioXclusters", "Study visit"),
            ("EC2i", "Webinars"),
        ),
    )
    elbe = give(wave_4i, "ELBE", a7(("GCA", "Joint mission")))
    ec2i = give(wave_4i, "EC2i", a7(("ELBE", "Fair")), status=Response.Status.DRAFT)
    return {"GCA": gca, "ELBE": elbe, "EC2i": ec2i}


def summary(response: Response) -> list[tuple[str, tuple[str, ...], str, str]]:
    return [(c.partnership.acronym, c.purposes, c.status, c.comment) for c in collaborations_for(response)]


def test_claims_come_from_the_others_submitted_answers_one_per_pair(claims):
    assert summary(claims["ELBE"]) == [("GCA", ("Joint mission",), "pending", "")]
    # Two rows naming EC2i make one claim with both purposes, in the order of the rows.
    assert summary(claims["EC2i"]) == [("GCA", ("Shared training", "Webinars"), "pending", "")]
    # EC2i's claim on ELBE is a draft: GCA is named by ELBE only.
    assert summary(claims["GCA"]) == [("ELBE", ("Joint mission",), "pending", "")]


def test_a_row_marked_ended_is_no_claim(claims, wave_4i):
    # GCA's rows naming EC2i: one carried from last year and marked ended, one still current;
    # its row naming ELBE is marked ended too (written as prefill and the section save store
    # them: status and origin beside the fields).
    ended = {"_status": "ended", "_origin": 1}
    give(
        wave_4i,
        "GCA",
        {
            "A6": Choice("yes"),
            "A7": [
                {"partnership": PartnershipValue("ELBE"), "purpose": "Joint mission", **ended},
                {"partnership": PartnershipValue("EC2i"), "purpose": "Shared training", **ended},
                {"partnership": PartnershipValue("EC2i"), "purpose": "Webinars"},
            ],
        },
    )
    # ELBE is asked nothing any more; EC2i is asked about the current row only.
    assert summary(claims["ELBE"]) == []
    assert summary(claims["EC2i"]) == [("GCA", ("Webinars",), "pending", "")]


def test_confirm_then_decline_with_a_comment_kept_apart_from_the_answers(claims, register_4i):
    ec2i, gca = claims["EC2i"], claims["GCA"]
    dan: Contact = register_4i["strand2"]
    answers_before = Answer.objects.filter(response=ec2i).count()
    collaboration_answer(response_id=ec2i.pk, claimant_id=gca.pk, status="confirmed", comment=" Since 2018 ", by=dan)
    (claim,) = collaborations_for(ec2i)
    assert (claim.status, claim.comment, claim.answered_by) == ("confirmed", "Since 2018", "Dan Strand")
    collaboration_answer(response_id=ec2i.pk, claimant_id=gca.pk, status="declined", comment="", by=dan)
    # One row per pair, changed in place; the answers of EC2i are untouched, still a draft.
    row = CollaborationConfirmation.objects.get()
    assert (row.response_id, row.claimant_id, row.status, row.comment) == (ec2i.pk, gca.pk, "declined", "")
    assert Answer.objects.filter(response=ec2i).count() == answers_before
    ec2i.refresh_from_db()
    assert ec2i.status == Response.Status.DRAFT
    # The claimant's side does not see it as its own claim to answer.
    assert summary(gca) == [("ELBE", ("Joint mission",), "pending", "")]


def test_a_comment_only_stays_pending_and_an_empty_one_takes_the_answer_back(claims):
    elbe, gca = claims["ELBE"], claims["GCA"]
    collaboration_answer(response_id=elbe.pk, claimant_id=gca.pk, status="pending", comment="Ask our director", by=None)
    assert summary(elbe) == [("GCA", ("Joint mission",), "pending", "Ask our director")]
    assert collaboration_answer(response_id=elbe.pk, claimant_id=gca.pk, status="pending", comment=" ", by=None) is None
    assert not CollaborationConfirmation.objects.exists()


def test_it_refuses_a_claim_not_made_an_unknown_status_and_a_closed_response(claims):
    elbe, ec2i, gca = claims["ELBE"], claims["EC2i"], claims["GCA"]
    with pytest.raises(ValidationError):  # EC2i's draft names ELBE: not a claim yet
        collaboration_answer(response_id=elbe.pk, claimant_id=ec2i.pk, status="confirmed", by=None)
    with pytest.raises(ValidationError):  # nobody claims for oneself
        collaboration_answer(response_id=gca.pk, claimant_id=gca.pk, status="confirmed", by=None)
    with pytest.raises(ValidationError):
        collaboration_answer(response_id=elbe.pk, claimant_id=gca.pk, status="maybe", by=None)
    with time_machine.travel(days(21)), pytest.raises(ResponseClosed):
        collaboration_answer(response_id=elbe.pk, claimant_id=gca.pk, status="confirmed", by=None)
    assert not CollaborationConfirmation.objects.exists()


def test_an_answer_is_kept_while_the_claimant_is_reopened_and_shown_again_after(claims):
    elbe, gca = claims["ELBE"], claims["GCA"]
    collaboration_answer(response_id=elbe.pk, claimant_id=gca.pk, status="confirmed", by=None)
    Response.objects.filter(pk=gca.pk).update(status=Response.Status.DRAFT, submitted_at=None)
    assert summary(elbe) == []
    Response.objects.filter(pk=gca.pk).update(status=Response.Status.SUBMITTED, submitted_at=days(0))
    assert summary(elbe) == [("GCA", ("Joint mission",), "confirmed", "")]


def test_one_answer_per_pair_is_a_named_constraint(claims):
    from django.db import IntegrityError, transaction

    elbe, gca = claims["ELBE"], claims["GCA"]
    CollaborationConfirmation.objects.create(response=elbe, claimant=gca, status="confirmed", answered_at=days(0))
    assert "collaborationconfirmation_once_per_pair" in {c.name for c in CollaborationConfirmation._meta.constraints}
    # PostgreSQL names the constraint; SQLite names a unique constraint's columns instead.
    once = "collaborationconfirmation_once_per_pair|UNIQUE constraint failed: surveys_collaborationconfirmation.response_id"
    with transaction.atomic(), pytest.raises(IntegrityError, match=once):
        CollaborationConfirmation.objects.create(response=elbe, claimant=gca, status="declined", answered_at=days(0))
    with transaction.atomic(), pytest.raises(IntegrityError, match="collaborationconfirmation_not_own_response"):
        CollaborationConfirmation.objects.create(response=gca, claimant=gca, status="declined", answered_at=days(0))


def test_the_demo_has_a_collaboration_to_confirm_and_prints_its_link(questionnaires, settings, tmp_path, capsys):
    from django.core.management import call_command
    from django.test import Client

    settings.DEMO_ADMIN_PASSWORD_FILE = tmp_path / "password"
    call_command("setup_demo", "--no-links")
    capsys.readouterr()
    call_command("demo_links")
    line = next(line for line in capsys.readouterr().out.splitlines() if "collaboration to confirm" in line)
    url = next(word for word in line.split() if word.startswith("http"))
    claimant = line.rsplit("named by ", 1)[1].strip(" │").removesuffix(")")
    client = Client()
    html = client.get(url.removeprefix(settings.SITE_URL)).content.decode()
    assert f"{claimant}" in html and "says you collaborate" in html
    assert "<strong>Your answer:</strong>\n        not answered yet" in html
    # Once answered, the demo points to another claim still waiting (or none).
    from surveys.services.demo_collaborations import demo_pending_claim

    found = demo_pending_claim()
    assert found is not None and found[1] == claimant
    (claim,) = [c for c in collaborations_for(found[0]) if c.partnership.acronym == claimant]
    collaboration_answer(response_id=found[0].pk, claimant_id=claim.claimant_id, status="confirmed", by=None)
    assert demo_pending_claim() != found
