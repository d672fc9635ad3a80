"""Schemathesis hooks for the ipp-sim run in `cargo xtask test`.

The OpenAPI document (crates/kustom-ipp/openapi/ipp-v1.openapi.json) states two rules in prose
because JSON Schema has no keyword for them. A request that breaks one is not valid data in the
documentation's sense, and the simulator refuses it with 400 as documented; left alone,
schemathesis would report that refusal as "valid data rejected". So, for cases schemathesis
*generated as valid* (positive mode) only, this hook makes the draw obey the prose rule too:

1. The same metadata key may not appear twice in a filter [DOC §3.4]: later repeats are dropped.
2. Session lines reconcile [3P §3.2]: per line `total_amount = unit_price × quantity −
   total_discount_amount`, `total_tax_amount` the tax included at `tax_rate` basis points, and
   `order_amount` (and `order_tax_amount`, when sent) the sums of the lines.

Nothing else is changed, and negative (schema-violating) cases are never touched, so every
negative-data and conformance check still sees exactly what schemathesis generated.
"""

import schemathesis

INT64_MAX = 2**63 - 1


def _is_int(value):
    """JSON Schema's integer: an int, or a number with no fractional part (`0.0`)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _included_tax(total, rate):
    """Tax included in a tax-inclusive amount, rounded half away from zero (as the simulator)."""
    numerator = total * rate
    denominator = 10_000 + rate
    rounded = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return rounded if numerator >= 0 else -rounded


def _distinct_metadata_keys(query):
    entries = query.get("metadata")
    if not isinstance(entries, list):
        return
    seen = set()
    kept = []
    for entry in entries:
        key = entry.split(":", 1)[0] if isinstance(entry, str) else entry
        if key in seen:
            continue
        seen.add(key)
        kept.append(entry)
    query["metadata"] = kept


def _reconcile_lines(body):
    lines = body.get("order_items")
    if not isinstance(lines, list) or not lines or not all(isinstance(line, dict) for line in lines):
        return
    for line in lines:
        if not all(_is_int(line.get(field)) for field in ("unit_price", "tax_rate")):
            return
        if not all(_is_int(line.get(field, 0)) for field in ("quantity", "total_discount_amount")):
            return
    def settle(line):
        quantity = line.get("quantity", 1)
        line["total_amount"] = line["unit_price"] * quantity - line.get("total_discount_amount", 0)
        line["total_tax_amount"] = _included_tax(line["total_amount"], line["tax_rate"])

    for line in lines:
        for field in ("unit_price", "tax_rate", "quantity", "total_discount_amount"):
            if field in line:
                line[field] = int(line[field])
        # Keep the arithmetic inside int64 (the schema's `format`), whatever was drawn.
        line["unit_price"] = line["unit_price"] % 1_000_000_000
        settle(line)
    order_amount = sum(line["total_amount"] for line in lines)
    if order_amount < 1:
        # The order must come to at least one minor unit (`order_amount` minimum 1).
        first = lines[0]
        quantity = first.get("quantity", 1)
        first["unit_price"] += (1 - order_amount + quantity - 1) // quantity
        settle(first)
        order_amount = sum(line["total_amount"] for line in lines)
    if not 1 <= order_amount <= INT64_MAX:
        return
    body["order_amount"] = order_amount
    if "order_tax_amount" in body:
        body["order_tax_amount"] = sum(line["total_tax_amount"] for line in lines)


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        _distinct_metadata_keys(case.query)
    if case.operation.method.upper() == "POST" and case.operation.path == "/ipp/v1/sessions":
        if isinstance(case.body, dict):
            _reconcile_lines(case.body)
