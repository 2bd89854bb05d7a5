"""`bulkhead clocks` (every open clock, soonest first) and `bulkhead clock file|start`."""

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY, acting
from bulkhead.cli.ids import INCIDENT
from bulkhead.cli.reach import STATE_DIR, Target
from bulkhead.cli.refusals import refusals

if TYPE_CHECKING:
    from functions.common.config import FirmConfig

console = Console()
clock_app = typer.Typer(help="Stop a regulatory clock by recording the filing, or record a start event.")


def _fabric(state_dir: Path | None) -> AbstractContextManager[Any]:
    """The local service of the state directory (`bulkhead drill` first), this process's clients on it."""
    from bulkhead.cli.local import fabric

    return fabric(state_dir)


def _firm() -> "FirmConfig":
    from functions.common.wiring import firm_config

    return firm_config()


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(int(seconds), 86_400)
    return (
        f"{sign}{days}d {rest // 3600:02d}h {rest % 3600 // 60:02d}m"
        if days
        else f"{sign}{rest // 3600}h {rest % 3600 // 60:02d}m"
    )


def show_clocks(
    all_clocks: bool = typer.Option(False, "--all", help="Also show filed and missed clocks of those incidents."),
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Every open regulatory clock with the time left, soonest first (runs the missed-deadline sweep first)."""
    from functions.clocks.domain import sweep
    from functions.clocks.wiring import clock_store
    from functions.ledger.wiring import ledger
    from functions.paging.wiring import oncall_pager

    with _fabric(state_dir):
        now = datetime.now(UTC)
        result = sweep(clock_store(), ledger(), oncall_pager(), now)
        live = clock_store().live()
        clocks = live
        if all_clocks:
            clocks = [c for i in dict.fromkeys(c.incident_id for c in live) for c in clock_store().for_incident(i)]
    if result.missed:
        console.print(f"[red]Missed and recorded now:[/red] {', '.join(result.missed)}")
    if not clocks:
        console.print("No open clocks. (Clocks start when a response runs: try `bulkhead drill`.)")
        return
    from functions.common.config import Mode

    live = [c for c in clocks if c.mode is Mode.LIVE]
    drills = [c for c in clocks if c.mode is not Mode.LIVE]
    if live or not drills:
        console.print(_table("Regulatory clocks (not legal advice)", live, now))
    if drills:
        console.print(_table("Drill clocks (scored by the drill, never paged)", drills, now))


def _table(title: str, clocks: list[Any], now: datetime) -> Table:
    from functions.clocks.models import ClockStatus

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    # Identifiers and times never wrap or shorten: they are what `bulkhead clock file` needs.
    for column in ("incident", "clock", "deadline (UTC)", "left"):
        table.add_column(column, no_wrap=True)
    table.add_column("status", min_width=7)
    wide = console.width >= 140  # the authority and the rule in words need room; narrow terminals skip them
    if wide:
        table.add_column("notify")
        table.add_column("rule")
    order = sorted(clocks, key=lambda c: (c.deadline is None, c.deadline or now))
    for clock in order:
        left = clock.seconds_left(now)
        colour = (
            "red" if left is not None and left < 4 * 3600 else "yellow" if left is not None and left < 86_400 else ""
        )
        status = clock.status.value + ("" if clock.statutory else " (target)")
        if clock.status is ClockStatus.WAITING:
            status = f"waiting for {clock.start_event.value}"
        table.add_row(
            clock.incident_id,
            clock.clock_id,
            f"{clock.deadline:%Y-%m-%d %H:%M}" if clock.deadline else "-",
            f"[{colour}]{_left(left)}[/]" if colour else _left(left),
            status,
            *((clock.authority, clock.rule) if wide else ()),
        )
    return table


@clock_app.command("file")
def file(
    incident: str = INCIDENT,
    regime: str = typer.Argument(
        ..., help="Clock: a regime (its earliest open stage) or regime/stage, e.g. dora/initial"
    ),
    reference: str = typer.Option(..., "--reference", "-r", help="The authority's case or receipt number."),
    stage: str = typer.Option("", "--stage", help="The stage filed, e.g. initial (dora); names one clock exactly."),
    by: str | None = BY,
    recipients: int | None = typer.Option(None, "--recipients", min=0, help="How many were notified (a count)."),
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record that a notice was filed: the clock stops (met, or missed if late) and later stages start.

    Repeating the same filing (same clock and reference) changes nothing and says so.
    """
    from functions.clocks.domain import AlreadyFiled, file_clock
    from functions.clocks.models import FileRequest
    from functions.clocks.wiring import clock_store, reminders
    from functions.ledger.wiring import ledger

    with refusals(console, "not filed"), _fabric(state_dir):
        who = acting(Target.LOCAL, by, _firm)
        request = FileRequest(
            incident_id=incident, clock=_named(regime, stage), reference=reference, filed_by=who, recipients=recipients
        )
        try:
            clock = file_clock(request, clock_store(), reminders(), ledger(), datetime.now(UTC))
        except AlreadyFiled as exc:
            console.print(f"[yellow]already recorded:[/yellow] {exc}")
            return
    colour = "green" if clock.status.value == "met" else "red"
    console.print(f"[{colour}]{clock.clock_id}: {clock.status.value}[/] (reference {clock.reference}); ledger updated")


def _named(regime: str, stage: str) -> str:
    """`regime --stage s` is the clock `regime/s`; a regime/stage argument is taken as it is."""
    return f"{regime}/{stage}" if stage and "/" not in regime else regime


@clock_app.command("withdraw")
def withdraw(
    incident: str = INCIDENT,
    regime: str = typer.Argument(..., help="The regime (or regime/stage) whose filing was recorded in error."),
    stage: str = typer.Option("", "--stage", help="The stage, e.g. initial (dora)."),
    reason: str = typer.Option(..., "--reason", help="Why the filing is withdrawn (recorded)."),
    by: str | None = BY,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Withdraw a filing recorded in error: the clock runs again, and the ledger keeps both."""
    from functions.clocks.domain import withdraw_filing
    from functions.clocks.models import WithdrawRequest
    from functions.clocks.wiring import clock_store, reminders
    from functions.ledger.wiring import ledger

    with refusals(console, "not withdrawn"), _fabric(state_dir):
        who = acting(Target.LOCAL, by, _firm)
        request = WithdrawRequest(incident_id=incident, clock=_named(regime, stage), withdrawn_by=who, reason=reason)
        clock = withdraw_filing(request, clock_store(), reminders(), ledger(), datetime.now(UTC))
    console.print(f"{clock.clock_id}: filing withdrawn, clock {clock.status.value} again; ledger updated")


@clock_app.command("start")
def start(
    incident: str = INCIDENT,
    regime: str = typer.Argument(..., help="A clock waiting for its start event, e.g. sec_8k_1_05"),
    at: datetime = typer.Option(..., "--at", help="When the event (e.g. the materiality determination) happened, UTC."),
    by: str | None = BY,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record a start event a person determines (SEC 8-K materiality): the clock starts then."""
    from functions.clocks.domain import record_start_event
    from functions.clocks.models import StartEventRequest
    from functions.clocks.wiring import clock_store, reminders
    from functions.ledger.wiring import ledger

    when = at if at.tzinfo else at.replace(tzinfo=UTC)
    with refusals(console, "not started"), _fabric(state_dir):
        clock = record_start_event(
            StartEventRequest(incident_id=incident, clock=regime, at=when, recorded_by=acting(Target.LOCAL, by, _firm)),
            clock_store(),
            reminders(),
            ledger(),
            datetime.now(UTC),
        )
    console.print(f"{clock.clock_id} started; due {clock.deadline:%Y-%m-%d %H:%M} UTC ({clock.rule})")


@clock_app.command("classify")
def classify_incident(
    incident: str = INCIDENT,
    regime: str = typer.Argument(..., help="The regime that asks for a classification, e.g. dora"),
    major: bool = typer.Option(..., "--major/--not-major", help="Classified as a major incident, or not."),
    at: datetime = typer.Option(..., "--at", help="When the classification was decided, UTC."),
    by: str | None = BY,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record a person's classification (DORA Art. 18): major starts the clocks, not major closes them."""
    from functions.clocks.domain import classify
    from functions.clocks.models import ClassifyRequest
    from functions.clocks.wiring import clock_store, reminders
    from functions.ledger.wiring import ledger

    when = at if at.tzinfo else at.replace(tzinfo=UTC)
    with refusals(console, "not classified"), _fabric(state_dir):
        who = acting(Target.LOCAL, by, _firm)
        request = ClassifyRequest(incident_id=incident, regime=regime, major=major, at=when, classified_by=who)
        changed = classify(request, clock_store(), reminders(), ledger(), datetime.now(UTC))
    for clock in changed:
        if clock.deadline is not None:
            console.print(f"{clock.clock_id} started; due {clock.deadline:%Y-%m-%d %H:%M} UTC ({clock.rule})")
        else:
            console.print(f"{clock.clock_id}: not required (classified not major by {who.name})")
