"""A schemathesis check for Kassa's conformance layer: error_code_conformance.

Loaded through SCHEMATHESIS_HOOKS by schemathesis.test.mjs. Status codes alone cannot tell a
search's "page not found" (404 P0402) from an unknown route (404 P0200): both are documented
404s with the same body shape. Kassa's api/openapi.json lists the GOV.UK Pay error codes each
response may carry (x-error-codes); this check holds the body's `code` to that list. On
GOV.UK Pay's own document, which has no such lists, it checks nothing.
"""

import schemathesis


def _resolve(definition, raw_schema):
    """Follows a local $ref (e.g. #/components/responses/TooManyRequests)."""
    for _ in range(10):
        ref = definition.get("$ref") if isinstance(definition, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#/")):
            return definition
        node = raw_schema
        for key in ref[2:].split("/"):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        definition = node
    return definition


@schemathesis.check
def error_code_conformance(ctx, response, case):
    if case.method.upper() != case.operation.method.upper():
        return None  # a probe with a method the path does not serve: no listed codes apply
    documented = case.operation.responses.find_by_status_code(response.status_code)
    if documented is None:
        return None  # status_code_conformance reports it
    definition = _resolve(documented.definition, case.operation.schema.raw_schema)
    allowed = [c.get("code") for c in definition.get("x-error-codes", [])]
    if not allowed:
        return None
    try:
        body = response.json()
    except Exception:
        return None  # response_schema_conformance judges bodies that are not JSON
    code = body.get("code") if isinstance(body, dict) else None
    if code not in allowed:
        raise AssertionError(
            f"{response.status_code} carries error code {code!r}; the document lists {', '.join(allowed)}"
        )
    return None
