"""Who a restore is recorded under: a roster person locally, the OS user without a roster, the IAM
principal on AWS; anyone else is refused naming `--as` before anything runs."""

import getpass
from collections.abc import Iterator

import pytest
import typer
from moto import mock_aws

from bulkhead.cli.reach import Target
from bulkhead.cli.restore import restorer
from functions.containment.models import RestoreRequest

ROSTER = ("Maria Keller", "Tom Baker")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def test_locally_a_roster_person_is_recorded_by_name() -> None:
    assert restorer(Target.LOCAL, "Tom Baker", ROSTER) == "person:Tom Baker"


@pytest.mark.parametrize("typed", ["tom baker", "TOM BAKER", "tom-baker", " Tom Baker "])
def test_locally_a_roster_person_may_be_typed_in_any_case_or_by_id_and_is_recorded_as_the_roster_names_them(
    typed: str,
) -> None:
    # As with `approve --as`: at 3 a.m. the case of a name must not refuse the person restoring
    assert restorer(Target.LOCAL, typed, ROSTER) == "person:Tom Baker"


@pytest.mark.parametrize("named", ["", "Mallory", "tom", "baker"])
def test_locally_nobody_or_a_stranger_is_refused_with_exit_2(named: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as refused:
        restorer(Target.LOCAL, named, ROSTER)
    assert refused.value.exit_code == 2
    assert "--as" in capsys.readouterr().out


def test_without_a_roster_the_os_user_is_recorded_and_marked_so() -> None:
    assert restorer(Target.LOCAL, "", ()) == f"os-user:{getpass.getuser()}"


def test_on_aws_the_callers_iam_principal_is_recorded_and_a_typed_name_refused(aws: None) -> None:
    by = restorer(Target.AWS, "", ())
    assert by.startswith("iam:arn:aws:") and RestoreRequest(incident_id="inc-20261201-abcdefgh", restored_by=by)
    with pytest.raises(typer.Exit) as refused:
        restorer(Target.AWS, "Maria Keller", ())
    assert refused.value.exit_code == 2
