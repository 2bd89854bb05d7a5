"""Who every command that records a person is recorded as (bulkhead.cli.identity.acting): a roster
person locally, named by id or name in any case and recorded as the roster names them; anyone else
refused naming the option and listing the roster ids; on AWS the caller's IAM principal (moto STS),
and the roster person too when one is named. The domain vouches for a claimed person the same way."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import typer
from moto import mock_aws

from bulkhead.cli.identity import acting
from bulkhead.cli.reach import Target
from bulkhead.local.runtime import DEFAULT_CONFIG
from functions.common.config import FirmConfig, parse_config
from functions.common.people import Acted, UnknownPerson, vouch, vouch_actor
from functions.containment.domain import plan_restore
from functions.containment.models import RestoreRequest
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from tests.fakes.ledger import MemoryLedger

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def firm() -> FirmConfig:
    return parse_config(DEFAULT_CONFIG.read_text(), origin=str(DEFAULT_CONFIG))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


@pytest.mark.parametrize("typed", ["Tom Baker", "tom baker", "TOM BAKER", "tom-baker", " Tom Baker "])
def test_locally_a_roster_person_typed_in_any_case_or_by_id_is_recorded_as_the_roster_names_them(typed: str) -> None:
    who = acting(Target.LOCAL, typed, firm)
    assert (who.name, who.person_id, who.role, who.iam_principal) == (
        "Tom Baker", "tom-baker", "incident_commander", None,
    )  # fmt: skip
    assert who.actor == "person:Tom Baker"
    assert who.facts == {
        "by": "Tom Baker",
        "person_id": "tom-baker",
        "role": "incident_commander",
        "iam_principal": None,
    }


@pytest.mark.parametrize("named", ["", None, "Mallory", "tom", "baker", "operator"])
@pytest.mark.parametrize("option", ["--by", "--operator", "--as"])
def test_locally_nobody_or_a_stranger_is_refused_naming_the_option_and_the_roster(
    named: str | None, option: str
) -> None:
    with pytest.raises(typer.BadParameter) as refused:
        acting(Target.LOCAL, named, firm, option)
    assert refused.value.param_hint == option
    assert "maria-keller, tom-baker, jonas-weber, dr-anna-schmidt" in refused.value.message


def test_on_aws_the_callers_iam_principal_is_recorded(aws: None) -> None:
    from functions.common.clients import client

    arn = client("sts").get_caller_identity()["Arn"]
    who = acting(Target.AWS, None, firm)
    assert (who.name, who.iam_principal, who.person_id, who.actor) == (arn, arn, None, f"iam:{arn}")
    # ...and it is what a restore started on AWS carries
    assert RestoreRequest(incident_id="inc-20261201-abcdefgh", restored_by=who.actor).restored_by == f"iam:{arn}"


def test_on_aws_a_named_roster_person_is_recorded_beside_the_iam_principal(aws: None) -> None:
    from functions.common.clients import client

    arn = client("sts").get_caller_identity()["Arn"]
    who = acting(Target.AWS, "paul-richter", firm)
    assert (who.name, who.person_id, who.role, who.iam_principal) == ("Paul Richter", "paul-richter", "dpo", arn)
    assert who.actor == "person:Paul Richter" and (who.facts["by"], who.facts["iam_principal"]) == ("Paul Richter", arn)
    with pytest.raises(typer.BadParameter):
        acting(Target.AWS, "mallory", firm)


def test_the_domain_vouches_for_a_claimed_person_against_the_roster() -> None:
    # A payload claiming a roster id gets the roster's name and role, whatever name it claimed
    claimed = Acted(name="Someone Else", person_id="lena-fischer", role="dpo")
    assert vouch(firm(), claimed) == Acted(name="Lena Fischer", person_id="lena-fischer", role="compliance")
    assert vouch_actor(firm(), "person:Lena Fischer").person_id == "lena-fischer"
    with pytest.raises(UnknownPerson):
        vouch(firm(), Acted(name="Mallory", person_id="mallory"))
    with pytest.raises(UnknownPerson):
        vouch_actor(firm(), "person:mallory")


class Journal:
    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger

    def entries(self, incident_id: str) -> list[LedgerEntry]:
        return list(self._ledger.entries.get(incident_id, []))


def test_a_restore_started_by_anyone_names_a_roster_person_or_an_iam_principal() -> None:
    # Given an incident with one applied containment action
    incident = "inc-20261201-restored1"
    ledger = MemoryLedger()
    applied = {"action_id": "act-1", "kind": "shopify.revoke_storefront_token"}
    ledger.append(incident, EntryDraft(type=EntryType.ACTION_APPLIED, actor="containment", at=NOW, data=applied))
    journal = Journal(ledger)

    # When the Restore machine is started naming a roster id, Then the plan carries the roster name
    plan = plan_restore(RestoreRequest(incident_id=incident, restored_by="person:tom-baker"), journal, firm())
    assert plan.restored_by == "person:Tom Baker" and {a.restored_by for a in plan.actions} == {"person:Tom Baker"}
    arn = "arn:aws:sts::123456789012:assumed-role/oncall/maria"
    assert plan_restore(
        RestoreRequest(incident_id=incident, restored_by=f"iam:{arn}"), journal, firm()
    ).restored_by == (f"iam:{arn}")
    # ...and a name off the roster, or a login no roster vouches for, stops it before anything is reverted
    for stranger in ("person:Mallory", "os-user:root", "iam:not-an-arn"):
        with pytest.raises(UnknownPerson):
            plan_restore(RestoreRequest(incident_id=incident, restored_by=stranger), journal, firm())
