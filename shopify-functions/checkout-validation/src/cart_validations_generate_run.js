// @ts-check
import { CHECKOUT_PAUSED, applicableRules, customerTags, hasMode, messageFor, parseRules } from "../../shared/modes.js";

// Only checkout steps are blocked: at CART_INTERACTION an error would refuse add-to-cart, and the
// pause must keep carts intact.
const CHECKOUT_STEPS = new Set(["CHECKOUT_INTERACTION", "CHECKOUT_COMPLETION"]);

/**
 * One cart-level error while `checkout_paused` applies to this buyer, else none.
 * @param {any} input the result of the input query
 * @returns {{operations: Array<{validationAdd: {errors: Array<{message: string, target: string}>}}>}}
 */
export function cartValidationsGenerateRun(input) {
  const step = input?.buyerJourney?.step;
  if (step && !CHECKOUT_STEPS.has(step)) return { operations: [] };
  const rules = applicableRules(parseRules(input?.shop?.metafield), customerTags(input?.cart));
  if (!hasMode(rules, CHECKOUT_PAUSED)) return { operations: [] };
  return {
    operations: [{ validationAdd: { errors: [{ message: messageFor(rules, CHECKOUT_PAUSED), target: "$.cart" }] } }],
  };
}
