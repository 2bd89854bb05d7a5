"""Degradation, pure: modes per store and segment, every gate's answer, expiry, fail rules, the cache."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.metrics import EphemeralMetrics

from functions.degradation.adapters.cache import CachedControls
from functions.degradation.domain import change_modes, check_expiry, clear_modes
from functions.degradation.errors import ControlsConflict, ControlsUnavailable
from functions.degradation.gates import adobe_commerce_decision, modes_view
from functions.degradation.metrics import emit_gate_answer
from functions.degradation.models import (
    ControlsReading,
    DegradationMode,
    ExpiryReport,
    Hook,
    ModeChange,
    ModeClear,
    StoreControls,
)
from functions.degradation.shopify import function_input, modes_metafield
from functions.ledger.chains import store_chain
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryType
from tests.fakes.ledger import MemoryLedgerStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
M = DegradationMode


class MemoryControls:
    def __init__(self) -> None:
        self.items: dict[str, StoreControls] = {}
        self.reachable = True
        self.conflicts = 0

    def current(self, store_id: str) -> StoreControls:
        if not self.reachable:
            raise ControlsUnavailable("table unreachable")
        return self.items.get(store_id, StoreControls(store_id=store_id))

    def put(self, controls: StoreControls) -> StoreControls:
        if self.conflicts:
            self.conflicts -= 1
            raise ControlsConflict("changed concurrently")
        self.items[controls.store_id] = controls
        return controls


class RecordingProjector:
    def __init__(self) -> None:
        self.projected: list[StoreControls] = []

    def project(self, controls: StoreControls) -> str:
        self.projected.append(controls)
        return f"recorded v{controls.version}"


class RecordingAlarm:
    def __init__(self) -> None:
        self.reports: list[ExpiryReport] = []

    def raise_overdue(self, report: ExpiryReport) -> None:
        self.reports.append(report)


@pytest.fixture
def world() -> tuple[MemoryControls, MemoryLedgerStore, RecordingProjector]:
    return MemoryControls(), MemoryLedgerStore(), RecordingProjector()


def change(*modes: DegradationMode, segment: str | None = None, ttl: int = 60, **extra: object) -> ModeChange:
    return ModeChange(store_id="acme-us", modes=modes, segment=segment, ttl_minutes=ttl, actor="operator", **extra)


def fresh(controls: StoreControls) -> ControlsReading:
    return ControlsReading(controls=controls, basis="fresh")


ORDER_BY_CARD = {"order": {"customer_group_id": 1, "payment": {"method": "braintree"}}}
ORDER_BY_BANK = {"order": {"customer_group_id": 1, "payment": {"method": "banktransfer"}}}


# --- setting and clearing -----------------------------------------------------------------------


def test_a_change_is_stored_projected_and_recorded_on_both_chains(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    ledger = ChainedLedger(store)

    result = change_modes(change(M.CHECKOUT_PAUSED, incident_id="inc-1"), controls, ledger, projector, NOW)

    assert result.modes == {"*": (M.CHECKOUT_PAUSED,)}
    assert controls.items["acme-us"].version == 1
    assert projector.projected[-1].rules[0].expires_at == NOW + timedelta(minutes=60)
    for chain in ("inc-1", store_chain("acme-us")):
        (entry,) = store.chains[chain]
        assert entry.type is EntryType.DEGRADATION_SET
        assert entry.data["modes"] == ["checkout_paused"]
        assert entry.data["projection"] == "recorded v1"


def test_repeating_a_change_writes_nothing_new_but_is_still_recorded(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    ledger = ChainedLedger(store)
    change_modes(change(M.LOGIN_STEP_UP), controls, ledger, projector, NOW)

    again = change_modes(change(M.LOGIN_STEP_UP), controls, ledger, projector, NOW)

    assert (again.changed, again.version) == (False, 1)
    assert [e.data["changed"] for e in store.chains[store_chain("acme-us")]] == [True, False]


def test_renewing_moves_the_expiry(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    ledger = ChainedLedger(store)
    change_modes(change(M.LOGIN_STEP_UP, ttl=10), controls, ledger, projector, NOW)

    renewed = change_modes(change(M.LOGIN_STEP_UP, ttl=10), controls, ledger, projector, NOW + timedelta(minutes=9))

    assert renewed.changed
    assert controls.items["acme-us"].rules[0].expires_at == NOW + timedelta(minutes=19)


def test_segments_are_independent_and_clear_all_returns_to_normal(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    ledger = ChainedLedger(store)
    change_modes(change(M.ACCOUNT_READ_ONLY), controls, ledger, projector, NOW)
    change_modes(change(M.CHECKOUT_PAUSED, segment="group-4"), controls, ledger, projector, NOW)

    clear_modes(ModeClear(store_id="acme-us", segment="group-4", actor="op"), controls, ledger, projector, NOW)
    assert controls.items["acme-us"].modes == (M.ACCOUNT_READ_ONLY,)
    assert controls.items["acme-us"].rule("group-4") is None

    result = clear_modes(ModeClear(store_id="acme-us", all_segments=True, actor="op"), controls, ledger, projector, NOW)
    assert result.modes == {}
    assert controls.items["acme-us"].modes == (M.NORMAL,)
    assert store.chains[store_chain("acme-us")][-1].type is EntryType.DEGRADATION_CLEARED


def test_a_concurrent_writer_is_retried_on_top_of_its_change(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    controls.conflicts = 2
    result = change_modes(change(M.PAYMENTS_RESTRICTED), controls, ChainedLedger(store), projector, NOW)
    assert result.changed


def test_a_failed_projection_is_recorded_then_raised(world) -> None:  # type: ignore[no-untyped-def]
    from functions.common.errors import PlatformThrottled

    controls, store, _ = world

    class Throttled:
        def project(self, controls: StoreControls) -> str:
            raise PlatformThrottled("THROTTLED", 2.0)

    with pytest.raises(PlatformThrottled):
        change_modes(change(M.PAYMENTS_RESTRICTED), controls, ChainedLedger(store), Throttled(), NOW)
    (entry,) = store.chains[store_chain("acme-us")]
    assert entry.data["projection"].startswith("failed: PlatformThrottled")


def test_rules_refuse_normal_as_their_only_mode() -> None:
    with pytest.raises(ValueError, match="clear the rule instead"):
        change(M.NORMAL)


# --- expiry ---------------------------------------------------------------------------------------


def test_an_expired_mode_alarms_and_stays_in_force(world) -> None:  # type: ignore[no-untyped-def]
    controls, store, projector = world
    ledger = ChainedLedger(store)
    change_modes(change(M.CHECKOUT_PAUSED, ttl=5, incident_id="inc-9"), controls, ledger, projector, NOW)
    alarm = RecordingAlarm()

    before = check_expiry(["acme-us"], controls, alarm, NOW + timedelta(minutes=4))
    after = check_expiry(["acme-us"], controls, alarm, NOW + timedelta(minutes=12))

    assert before.overdue == ()
    (overdue,) = after.overdue
    assert (overdue.store_id, overdue.modes, overdue.overdue_minutes, overdue.incident_id) == (
        "acme-us",
        (M.CHECKOUT_PAUSED,),
        7,
        "inc-9",
    )
    assert alarm.reports == [before, after]
    decision = adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_CARD, fresh(controls.items["acme-us"]))
    assert decision.answer.op == "exception"  # protection is never dropped silently


def test_an_unreachable_store_is_reported_by_the_check(world) -> None:  # type: ignore[no-untyped-def]
    controls, _, _ = world
    controls.reachable = False
    report = check_expiry(["acme-us"], controls, RecordingAlarm(), NOW)
    assert (report.checked_stores, report.unreachable) == (0, ("acme-us",))


# --- the Adobe Commerce gate ----------------------------------------------------------------------


def controls_with(*modes: DegradationMode, segment: str | None = None, methods: tuple[str, ...] = ()) -> StoreControls:
    controls, store, projector = MemoryControls(), MemoryLedgerStore(), RecordingProjector()
    change_modes(
        change(*modes, segment=segment, payment_methods=methods), controls, ChainedLedger(store), projector, NOW
    )
    return controls.items["acme-us"]


ACCOUNT_CHANGE = {"customer": {"group_id": 1, "id": 7001}}
LOGIN = {"username": "ignored"}


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ((), {Hook.ORDER_PLACEMENT: "success", Hook.LOGIN: "success", Hook.ACCOUNT_CHANGE: "success"}),
        (
            (M.CHECKOUT_PAUSED,),
            {Hook.ORDER_PLACEMENT: "exception", Hook.LOGIN: "success", Hook.ACCOUNT_CHANGE: "success"},
        ),
        (
            (M.LOGIN_STEP_UP,),
            {Hook.ORDER_PLACEMENT: "success", Hook.LOGIN: "exception", Hook.ACCOUNT_CHANGE: "success"},
        ),
        (
            (M.ACCOUNT_READ_ONLY,),
            {Hook.ORDER_PLACEMENT: "success", Hook.LOGIN: "success", Hook.ACCOUNT_CHANGE: "exception"},
        ),
        (
            (M.PAYMENTS_RESTRICTED,),
            {Hook.ORDER_PLACEMENT: "success", Hook.LOGIN: "success", Hook.ACCOUNT_CHANGE: "success"},
        ),
    ],
)
def test_each_mode_stops_only_its_own_hook(modes, expected) -> None:  # type: ignore[no-untyped-def]
    controls = controls_with(*modes) if modes else StoreControls(store_id="acme-us")
    payloads = {Hook.ORDER_PLACEMENT: ORDER_BY_CARD, Hook.LOGIN: LOGIN, Hook.ACCOUNT_CHANGE: ACCOUNT_CHANGE}
    answers = {hook: adobe_commerce_decision(hook, payloads[hook], fresh(controls)).answer for hook in Hook}
    assert {hook: a.op for hook, a in answers.items()} == expected
    for answer in answers.values():
        assert (answer.op == "exception") == bool(answer.message)


def test_payments_restricted_refuses_bank_methods_but_not_cards() -> None:
    controls = controls_with(M.PAYMENTS_RESTRICTED)
    bank = adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_BANK, fresh(controls))
    card = adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_CARD, fresh(controls))
    assert bank.answer.wire() == {"op": "exception", "message": bank.answer.message}
    assert "payment method" in str(bank.answer.message)
    assert card.answer.wire() == {"op": "success"}


def test_every_gate_answer_is_counted_as_blocked_or_allowed_per_store_and_hook(capsys) -> None:  # type: ignore[no-untyped-def]
    # Given a store whose checkout is paused
    controls = controls_with(M.CHECKOUT_PAUSED)
    blocked = adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_CARD, fresh(controls))
    allowed = adobe_commerce_decision(Hook.LOGIN, LOGIN, fresh(controls))
    # When each answer is emitted as a metric
    make = lambda: EphemeralMetrics(namespace="Bulkhead", service="bulkhead")  # noqa: E731
    emit_gate_answer(Hook.ORDER_PLACEMENT, blocked.model_copy(update={"store_id": "acme-us"}), make)
    emit_gate_answer(Hook.LOGIN, allowed.model_copy(update={"store_id": "acme-us"}), make)
    # Then the EMF lines count one blocked checkout and one allowed login for that store
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    counted = [
        (next(m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]), line["StoreId"], line["Hook"])
        for line in lines
    ]
    assert counted == [("GateBlocked", "acme-us", "order_placement"), ("GateAllowed", "acme-us", "login")]


def test_a_rule_can_name_the_methods_it_restricts() -> None:
    controls = controls_with(M.PAYMENTS_RESTRICTED, methods=("braintree",))
    assert adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_CARD, fresh(controls)).answer.op == "exception"
    assert adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_BANK, fresh(controls)).answer.op == "success"


def test_a_segment_rule_applies_only_to_its_customer_group() -> None:
    controls = controls_with(M.CHECKOUT_PAUSED, segment="group-4")
    group_4 = {"data": {"order": {"customer_group_id": "4", "payment": {"method": "braintree"}}}}  # observer shape
    assert adobe_commerce_decision(Hook.ORDER_PLACEMENT, group_4, fresh(controls)).answer.op == "exception"
    assert adobe_commerce_decision(Hook.ORDER_PLACEMENT, ORDER_BY_CARD, fresh(controls)).answer.op == "success"


@pytest.mark.parametrize(
    ("hook", "op"), [(Hook.ORDER_PLACEMENT, "success"), (Hook.LOGIN, "success"), (Hook.ACCOUNT_CHANGE, "exception")]
)
def test_when_the_store_is_unreachable_each_hook_follows_its_fail_rule(hook: Hook, op: str) -> None:
    decision = adobe_commerce_decision(hook, ACCOUNT_CHANGE, ControlsReading(controls=None, basis="unreachable"))
    assert (decision.answer.op, decision.basis) == (op, "unreachable")


# --- the headless view and the Shopify projection -------------------------------------------------


def test_the_headless_view_tells_what_is_restricted_for_a_segment() -> None:
    controls = controls_with(M.PAYMENTS_RESTRICTED, segment="affected")
    view = modes_view("acme-us", "affected", fresh(controls))
    everyone = modes_view("acme-us", None, fresh(controls))
    assert view is not None and everyone is not None
    assert view.modes == (M.PAYMENTS_RESTRICTED,)
    assert view.restrictions["payments_restricted"] and "bank" in view.payment_methods
    assert everyone.modes == (M.NORMAL,)
    assert not any(everyone.restrictions.values())
    assert modes_view("acme-us", None, ControlsReading(controls=None, basis="unreachable")) is None


def test_the_shopify_projection_carries_rules_and_segment_tags() -> None:
    import json

    controls = controls_with(M.CHECKOUT_PAUSED, segment="affected")
    projected = json.loads(modes_metafield(controls))
    assert projected["version"] == 1
    assert projected["rules"][0]["segmentTag"] == "bulkhead-affected"
    assert projected["rules"][0]["modes"] == ["checkout_paused"]
    assert json.loads(function_input(controls)) == {"segmentTags": ["bulkhead-affected"]}


# --- the gate cache -------------------------------------------------------------------------------


def test_the_cache_is_short_bounded_and_serves_a_recent_copy_when_the_table_is_down() -> None:
    clock = [0.0]
    cache = CachedControls(fresh_seconds=5, stale_seconds=60, max_stores=2, clock=lambda: clock[0])
    controls, reads = MemoryControls(), []

    def load(store_id: str) -> StoreControls:
        reads.append(store_id)
        return controls.current(store_id)

    assert cache.read("acme-us", load).basis == "fresh"
    assert cache.read("acme-us", load).basis == "cached"
    clock[0] = 6
    assert cache.read("acme-us", load).basis == "fresh"
    assert reads == ["acme-us", "acme-us"]
    controls.reachable = False
    clock[0] = 20
    assert cache.read("acme-us", load).basis == "stale"
    clock[0] = 100
    assert cache.read("acme-us", load) == ControlsReading(controls=None, basis="unreachable")
    controls.reachable = True
    for store_id in ("a1", "a2", "a3"):
        cache.read(store_id, load)
    controls.reachable = False
    assert cache.read("a1", load).basis == "unreachable"  # evicted: only two stores are kept
