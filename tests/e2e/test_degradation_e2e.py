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
from functions.containment.adapters.shopify import CONTAINMENT_TAG
from functions.degradation.domain import change_modes, clear_modes
from functions.degradation.models import DegradationMode, ModeChange, ModeClear
from functions.degradation.shopify import AFFECTED_SEGMENT, AFFECTED_TAG
from functions.degradation.wiring import controls_store, projector
from functions.ledger.chains import store_chain
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


RUN_FOR_BUYER = """
import { cartPaymentMethodsTransformRun } from "./payment-customization/src/index.js";
import { cartValidationsGenerateRun } from "./checkout-validation/src/index.js";
const metafield = { value: process.argv[1] };
const cart = JSON.parse(process.argv[2]);
const paymentMethods = [{ id: "pm-card", name: "Credit card" }, { id: "pm-bank", name: "Bank Deposit" }];
console.log(JSON.stringify({
  payment: cartPaymentMethodsTransformRun({ cart, paymentMethods, shop: { metafield } }),
  validation: cartValidationsGenerateRun({ buyerJourney: { step: "CHECKOUT_COMPLETION" }, cart, shop: { metafield } }),
}));
"""


def checkout_for(fabric: LocalFabric, customer: str) -> dict[str, dict[str, list[object]]]:
    """Run both functions for one buyer, with `hasTags` answered from the sandbox customer's real tags
    for the tags the function-input metafield asks about, as Shopify resolves the input query."""
    state = fabric.sandboxes["acme-eu"].state
    metafields = list(state.table("metafields").values())
    asked = json.loads(next(m["value"] for m in metafields if m["key"] == "function-input"))["segmentTags"]
    tags = state.table("customers")[f"gid://shopify/Customer/{customer}"]["tags"]
    cart = {"buyerIdentity": {"customer": {"hasTags": [{"tag": t, "hasTag": t in tags} for t in asked]}}}
    result = subprocess.run(
        ["node", "--input-type=module", "-e", RUN_FOR_BUYER, shop_metafield(fabric) or "", json.dumps(cart)],
        cwd=FUNCTIONS,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_a_contained_customer_is_restricted_at_checkout_and_an_untouched_one_is_not(fabric: LocalFabric) -> None:
    # Given customer 7001 contained: containment tags it through the Admin API of the sandbox store
    action = {
        "action_id": "act-01-tag-customers",
        "kind": "shopify.tag_customers",
        "store_id": "acme-eu",
        "target": "customers",
        "reason": "test",
        "subjects": ["customer:7001"],
    }
    contained = fabric.invoke(
        "ApplyContainmentAction", {"incident_id": "inc-20261130-tagcheckout", "mode": "drill", "action": action}
    )
    assert contained["status"] == "applied"

    # When the affected segment's payments are restricted and its checkout paused
    change = ModeChange(
        store_id="acme-eu",
        modes=(DegradationMode.PAYMENTS_RESTRICTED, DegradationMode.CHECKOUT_PAUSED),
        segment=AFFECTED_SEGMENT,
        ttl_minutes=30,
        actor="on-call",
    )
    change_modes(change, controls_store(), ledger(), projector(firm_config(), "acme-eu"), datetime.now(UTC))

    # Then the functions restrict the contained customer's checkout, and nobody else's
    restricted, untouched = checkout_for(fabric, "7001"), checkout_for(fabric, "7002")
    assert CONTAINMENT_TAG == AFFECTED_TAG
    assert restricted["payment"]["operations"] == [{"paymentMethodHide": {"paymentMethodId": "pm-bank"}}]
    assert len(restricted["validation"]["operations"]) == 1
    assert untouched == {"payment": {"operations": []}, "validation": {"operations": []}}
