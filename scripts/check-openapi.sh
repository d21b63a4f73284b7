#!/usr/bin/env bash
# Validate the API's OpenAPI 3.1 document (Services/API/Sources/Resources/openapi.json):
#   - openapi-spec-validator (PyPI): the OpenAPI 3.1 meta-schema, $ref resolution,
#     path templates vs declared path parameters, duplicate operationIds;
#   - a few Sundial rules: every operation has an operationId, a summary, a 2xx/101
#     response and (unless public) 401; `x-sundial-implemented` is a boolean when set;
#     each schema `default` is valid against its own schema (jsonschema, 2020-12).
# The Swift test target OpenAPITests checks the document against the real router.
# Tools come from PyPI into .sundial/venv (installed once, reused after).
# Usage: scripts/check-openapi.sh [path/to/openapi.json]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DOC="${1:-$ROOT/Services/API/Sources/Resources/openapi.json}"
VENV="$ROOT/.sundial/venv"
TOOLS=(openapi-spec-validator==0.9.0)

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${TOOLS[@]}"
fi

"$VENV/bin/python" - "$DOC" <<'PY'
import json, sys
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
import jsonschema

path = sys.argv[1]
spec, _ = read_from_filename(path)
try:
    validate(spec)
except Exception as error:  # the validator's messages can embed the whole document: keep the head
    message = str(error).splitlines()[0] if str(error) else repr(error)
    print(f"[check-openapi] FAIL: {type(error).__name__}: {message[:600]}")
    sys.exit(1)

problems = []
methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ops = 0
not_implemented = 0
for template, item in spec["paths"].items():
    for method, op in item.items():
        if method not in methods:
            continue
        ops += 1
        where = f"{method.upper()} {template}"
        if not op.get("operationId"):
            problems.append(f"{where}: no operationId")
        if not op.get("summary"):
            problems.append(f"{where}: no summary")
        codes = set(op.get("responses", {}))
        if not any(c.startswith("2") or c == "101" for c in codes):
            problems.append(f"{where}: no success response")
        public = op.get("security") == []
        if not public and "401" not in codes:
            problems.append(f"{where}: authenticated but 401 not documented")
        flag = op.get("x-sundial-implemented", True)
        if not isinstance(flag, bool):
            problems.append(f"{where}: x-sundial-implemented must be a boolean")
        elif not flag:
            not_implemented += 1

def walk(node, pointer):
    if isinstance(node, dict):
        if "default" in node and isinstance(node.get("type"), (str, list)):
            schema = {k: v for k, v in node.items() if k in ("type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern")}
            try:
                jsonschema.validate(node["default"], schema, cls=jsonschema.Draft202012Validator)
            except jsonschema.ValidationError as error:
                problems.append(f"{pointer}: default {node['default']!r} is invalid: {error.message}")
        for key, value in node.items():
            walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            walk(value, f"{pointer}/{index}")

walk(spec, "#")
for problem in problems:
    print(f"[check-openapi] FAIL: {problem}")
if problems:
    sys.exit(1)
print(f"[check-openapi] {path}: valid OpenAPI {spec['openapi']}, {len(spec['paths'])} paths, "
      f"{ops} operations ({ops - not_implemented} implemented, {not_implemented} not yet)")
PY
