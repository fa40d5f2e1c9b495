"""The wire contract: one pydantic model per response body, camelCase on the wire (an alias
generator) and snake_case in Python. Every route names its model, so /openapi.json is typed and a
generated client is too; routes that serialise with orjson for speed send exactly what their model
describes (the schemathesis run of tests/integration/test_openapi_contract.py checks it)."""
