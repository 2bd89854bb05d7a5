"""Degradation end to end on the local fabric: a mode set through the domain reaches the sandbox
Shopify store (metafield + payment customization), the Shopify Functions enforce it on that very
metafield, and restore returns the store and the functions to normal."""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkhead.local.runtime import LocalFabric
from functions.common.wiring import firm_config
from functions.degradation.domain import change_modes, clear_modes, store_chain
from functions.degradation.models import DegradationMode, ModeChange, ModeClear
from functions.degradation.wiring import controls_store, projector
from functions.ledger.wiring import ledger

FUNCTIONS = Path(__file__).resolve().parents[2] / "shopify-functions"
RUN_FUNCTIONS = """
import { cartPaymentMethodsTransformRun } from "./payment-customization/src/index.js";
import { cartValidationsGenerateRun } from "./checkout-validation/src/index.js";
const metafield = process.argv[1] === "null" ? null : { value: process.argv[1] };
const cart = { buyerIdentity: { customer: { hasTags: [{ tag: "bulkhead-affected", hasTag: true }] } } };
const paymentMethods = [{ id: "pm-card", name: "Credit card" }, { id: "pm-bank", name: "Bank Deposit" }];
console.log(JSON.stringify({
  payment: cartPaymentMethodsTransformRun({ cart, paymentMethods, shop: { metafield } }),
  validation: cartValidationsGenerateRun({ buyerJourney: { step: "CHECKOUT_COMPLETION" }, cart, shop: { metafield } }),
}));
"""


def shop_metafield(fabric: LocalFabric) -> str | None:
    metafields = fabric.sandboxes["acme-eu"].state.table("metafields")
    return next((m["value"] for m in metafields.values() if m["key"] == "degradation"), None)


def payment_customization_enabled(fabric: LocalFabric) -> bool:
    rows = fabric.sandboxes["acme-eu"].state.table("payment_customizations").values()
    return next(r["enabled"] for r in rows if r["title"] == "Bulkhead payment restrictions")


def run_functions(metafield: str | None) -> dict[str, dict[str, list[object]]]:
    result = subprocess.run(
        ["node", "--input-type=module", "-e", RUN_FUNCTIONS, metafield or "null"],
        cwd=FUNCTIONS,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_a_segment_mode_reaches_the_shopify_functions_and_restore_returns_them_to_normal(fabric: LocalFabric) -> None:
    firm, now = firm_config(), datetime.now(UTC)
    modes = (DegradationMode.PAYMENTS_RESTRICTED, DegradationMode.CHECKOUT_PAUSED)
    change = ModeChange(store_id="acme-eu", modes=modes, segment="affected", ttl_minutes=30, actor="on-call")

    # When the affected segment's payments are restricted and its checkout paused
    result = change_modes(change, controls_store(), ledger(), projector(firm, "acme-eu"), now)

    # Then the sandbox store holds the modes, its payment customization runs, and the functions enforce it
    assert result.projection == "shopify: metafield v1, payment customization enabled"
    assert payment_customization_enabled(fabric)
    outputs = run_functions(shop_metafield(fabric))
    assert outputs["payment"]["operations"] == [{"paymentMethodHide": {"paymentMethodId": "pm-bank"}}]
    assert len(outputs["validation"]["operations"]) == 1

    # When restored
    clear_modes(
        ModeClear(store_id="acme-eu", all_segments=True, actor="on-call"),
        controls_store(),
        ledger(),
        projector(firm, "acme-eu"),
        now,
    )

    # Then the payment customization is off and both functions change nothing
    assert not payment_customization_enabled(fabric)
    assert run_functions(shop_metafield(fabric)) == {"payment": {"operations": []}, "validation": {"operations": []}}
    chain = ledger().verify(store_chain("acme-eu"))
    assert chain.valid and chain.entries == 2
