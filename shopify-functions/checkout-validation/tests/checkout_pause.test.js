import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { NORMAL, SEGMENTED, cart, metafield, storeWide } from "../../samples/inputs.js";
import { cartValidationsGenerateRun } from "../src/index.js";

const run = (projection, buyer = cart(), step = "CHECKOUT_COMPLETION") =>
  cartValidationsGenerateRun({ buyerJourney: { step }, cart: buyer, shop: { metafield: metafield(projection) } });
const errors = (result) => result.operations.flatMap((op) => op.validationAdd.errors);

describe("checkout validation", () => {
  it("lets checkout through in normal mode", () => {
    assert.deepEqual(run(NORMAL), { operations: [] });
  });

  it("blocks checkout with the friendly default message under checkout_paused", () => {
    const [error] = errors(run(storeWide(["checkout_paused"])));
    assert.equal(error.target, "$.cart");
    assert.match(error.message, /Your cart is saved/);
  });

  it("uses the rule's own message, with its contact route, for the affected segment only", () => {
    const [error] = errors(run(SEGMENTED, cart(["bulkhead-affected"])));
    assert.match(error.message, /\+44 20 7946 0000/);
    assert.deepEqual(run(SEGMENTED, cart([])), { operations: [] });
  });

  it("keeps carts: adding to the cart is never blocked", () => {
    assert.deepEqual(run(storeWide(["checkout_paused"]), cart(), "CART_INTERACTION"), { operations: [] });
    assert.equal(errors(run(storeWide(["checkout_paused"]), cart(), "CHECKOUT_INTERACTION")).length, 1);
  });

  it("leaves payment restrictions to the payment customization", () => {
    assert.deepEqual(run(storeWide(["payments_restricted", "account_read_only"])), { operations: [] });
  });

  it("fails open when the metafield is missing", () => {
    assert.deepEqual(run(null), { operations: [] });
  });

  it("returns to normal after restore", () => {
    assert.equal(errors(run(storeWide(["checkout_paused"]))).length, 1);
    assert.deepEqual(run(NORMAL), { operations: [] });
  });
});
