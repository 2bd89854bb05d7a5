// Representative function inputs, shaped as Shopify resolves the input queries.
import { readFileSync } from "node:fs";

const load = (name) => JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), "utf8"));

export const PAYMENT_METHODS = load("payment_methods.json");
export const SEGMENTED = load("degradation_metafield.json");

/** The shop metafield as the input query returns it (`value` is a JSON string), or null. */
export function metafield(projection) {
  return projection === null ? null : { value: JSON.stringify(projection) };
}

export function storeWide(modes, extra = {}) {
  return { version: 1, rules: [{ segmentTag: null, modes, message: "", paymentMethods: [], ...extra }] };
}

export const NORMAL = { version: 2, rules: [] };

/** A buyer; `tags` are the tags (of those asked about) the customer carries. */
export function cart(tags = null) {
  if (tags === null) return { buyerIdentity: null };
  const asked = ["bulkhead-affected"];
  return { buyerIdentity: { customer: { hasTags: asked.map((tag) => ({ tag, hasTag: tags.includes(tag) })) } } };
}
