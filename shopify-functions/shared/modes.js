// The degradation modes Bulkhead projects into the shop metafield `$app:bulkhead`/`degradation`,
// read the same way by both functions. The metafield holds:
//   {"version": 7, "rules": [{"segmentTag": null | "bulkhead-<segment>", "modes": [...],
//                             "message": "...", "paymentMethods": ["bank", ...]}]}
// A rule with segmentTag null applies to every buyer; a segment rule applies to customers with that tag.
// A missing or unreadable metafield means normal: the functions fail open, because Shopify runs them
// without network access and Bulkhead writes the metafield before it reports a mode as set.

export const CHECKOUT_PAUSED = "checkout_paused";
export const PAYMENTS_RESTRICTED = "payments_restricted";

export const DEFAULT_RESTRICTED_PAYMENT_METHODS = [
  "bank",
  "transfer",
  "debit",
  "sepa",
  "ach",
  "wire",
  "invoice",
  "purchaseorder",
  "checkmo",
];

export const DEFAULT_MESSAGES = {
  [CHECKOUT_PAUSED]:
    "Checkout is paused for a short while as a security precaution. Your cart is saved; please try again later or contact us.",
};

/** The rules in the shop metafield, or [] when it is absent or not what Bulkhead writes. */
export function parseRules(metafield) {
  if (!metafield || typeof metafield.value !== "string") return [];
  let parsed;
  try {
    parsed = JSON.parse(metafield.value);
  } catch {
    return [];
  }
  if (!parsed || !Array.isArray(parsed.rules)) return [];
  return parsed.rules.filter(
    (rule) => rule && Array.isArray(rule.modes) && (rule.segmentTag === null || typeof rule.segmentTag === "string"),
  );
}

/** The tags (of those asked about) that this buyer's customer record carries. */
export function customerTags(cart) {
  const answers = cart?.buyerIdentity?.customer?.hasTags ?? [];
  return new Set(answers.filter((answer) => answer && answer.hasTag).map((answer) => answer.tag));
}

/** The rules that apply to this buyer: their segments' rules first, then the store's. */
export function applicableRules(rules, tags) {
  const segment = rules.filter((rule) => rule.segmentTag !== null && tags.has(rule.segmentTag));
  const store = rules.filter((rule) => rule.segmentTag === null);
  return [...segment, ...store];
}

export function hasMode(rules, mode) {
  return rules.some((rule) => rule.modes.includes(mode));
}

export function messageFor(rules, mode) {
  const rule = rules.find((r) => r.modes.includes(mode) && typeof r.message === "string" && r.message);
  return rule ? rule.message : DEFAULT_MESSAGES[mode];
}

export function restrictedFragments(rules) {
  const named = rules
    .filter((rule) => rule.modes.includes(PAYMENTS_RESTRICTED) && Array.isArray(rule.paymentMethods))
    .flatMap((rule) => rule.paymentMethods)
    .filter((fragment) => typeof fragment === "string" && fragment)
    .map((fragment) => fragment.toLowerCase());
  return named.length ? [...new Set(named)] : DEFAULT_RESTRICTED_PAYMENT_METHODS;
}
