import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { NORMAL, PAYMENT_METHODS, SEGMENTED, cart, metafield, storeWide } from "../../samples/inputs.js";
import { cartPaymentMethodsTransformRun } from "../src/index.js";

const run = (projection, buyer = cart()) =>
  cartPaymentMethodsTransformRun({ cart: buyer, paymentMethods: PAYMENT_METHODS, shop: { metafield: metafield(projection) } });
const hidden = (result) => result.operations.map((op) => op.paymentMethodHide.paymentMethodId.split("/").pop());

describe("payment customization", () => {
  it("changes nothing in normal mode", () => {
    assert.deepEqual(run(NORMAL), { operations: [] });
  });

  it("hides bank, debit and invoice methods store-wide under payments_restricted", () => {
    assert.deepEqual(hidden(run(storeWide(["payments_restricted"]))), ["2", "3", "5"]);
  });

  it("hides only the methods the rule names when it names some", () => {
    const result = run(storeWide(["payments_restricted"], { paymentMethods: ["Shop Pay"] }));
    assert.deepEqual(hidden(result), ["4"]);
  });

  it("restricts a tagged customer of the segment and nobody else", () => {
    assert.deepEqual(hidden(run(SEGMENTED, cart(["bulkhead-affected"]))), ["2", "3", "5"]);
    assert.deepEqual(run(SEGMENTED, cart([])), { operations: [] });
    assert.deepEqual(run(SEGMENTED, cart(null)), { operations: [] });
  });

  it("ignores modes that are not about payments", () => {
    assert.deepEqual(run(storeWide(["checkout_paused", "login_step_up"])), { operations: [] });
  });

  it("fails open when the metafield is missing or unreadable", () => {
    assert.deepEqual(run(null), { operations: [] });
    const broken = cartPaymentMethodsTransformRun({
      cart: cart(),
      paymentMethods: PAYMENT_METHODS,
      shop: { metafield: { value: "{not json" } },
    });
    assert.deepEqual(broken, { operations: [] });
  });

  it("returns to normal after restore (rules cleared)", () => {
    assert.equal(run(storeWide(["payments_restricted"])).operations.length, 3);
    assert.deepEqual(run(NORMAL), { operations: [] });
  });
});
