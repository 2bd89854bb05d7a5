// @ts-check
import {
  PAYMENTS_RESTRICTED,
  applicableRules,
  customerTags,
  hasMode,
  parseRules,
  restrictedFragments,
} from "../../shared/modes.js";

const NO_CHANGES = { operations: [] };

/**
 * Hide the payment methods whose name contains a restricted fragment, for buyers under
 * `payments_restricted` (store-wide or through a segment tag). Everything else: no changes.
 * @param {any} input the result of the input query
 * @returns {{operations: Array<{paymentMethodHide: {paymentMethodId: string}}>}}
 */
export function cartPaymentMethodsTransformRun(input) {
  const rules = applicableRules(parseRules(input?.shop?.metafield), customerTags(input?.cart));
  if (!hasMode(rules, PAYMENTS_RESTRICTED)) return NO_CHANGES;
  const fragments = restrictedFragments(rules);
  const operations = (input.paymentMethods ?? [])
    .filter((method) => fragments.some((fragment) => String(method.name).toLowerCase().includes(fragment)))
    .map((method) => ({ paymentMethodHide: { paymentMethodId: method.id } }));
  return { operations };
}
