"""A client generated from /openapi.json accepts what the service really answers: pydantic models are
generated from the document with datamodel-code-generator (what a Python front end or integration
would do; openapi-typescript does the same for TypeScript, see README), and every GET operation's
real answer, called with real ids on a wrestler with data in every section, validates against the
generated model of its documented 200 response."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter
from pydantic import BaseModel

from db.types import PgConn
from tests.dashboard_fixtures import World, local_noon, make_world, write

POINTS = [
    ("weight", 2, 80.0),
    ("body_fat", 2, 11.0),
    ("power_to_weight", 2, 1.9),
    ("sleep_quality", 1, 80.0),
    ("hrv_score", 1, 70.0),
    ("hemoglobin", 3, 15.5),
    ("adherence", 1, 90.0),
    ("bench", 4, 120.0),
    ("hr_zone1_pct", 4, 20.0),
    ("rpe", 4, 7.0),
    ("radar_back", 5, 70.0),
]

# values of the required query parameters ("{wrestlerId}" is the test's wrestler)
QUERY = {"metric": "weight", "wrestlerId": "{wrestlerId}"}


def generated_models(spec: dict[str, Any], where: Path) -> ModuleType:
    source = generate(
        spec,
        input_file_type=InputFileType.OpenAPI,
        output_model_type=DataModelType.PydanticV2BaseModel,
        formatters=[Formatter.BUILTIN],
    )
    assert isinstance(source, str)
    path = where / "wrestle_client_models.py"
    path.write_text(source)
    module_spec = importlib.util.spec_from_file_location("wrestle_client_models", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["wrestle_client_models"] = module
    module_spec.loader.exec_module(module)
    return module


def _model(module: ModuleType, ref: str) -> type[BaseModel]:
    name = ref.rsplit("/", 1)[1]
    model = getattr(module, name, None) or getattr(module, re.sub(r"\W", "", name))
    assert isinstance(model, type) and issubclass(model, BaseModel), name
    model.model_rebuild(_types_namespace=vars(module))
    return model


def _success_ref(op: dict[str, Any]) -> str | None:
    schema = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    return str(ref) if ref else None


@pytest.fixture
async def world(conn: PgConn, settings: Any) -> World:
    w = await make_world(conn, settings)
    await write(conn, w.wrestler, [(metric, local_noon(days), value) for metric, days, value in POINTS])
    return w


async def test_every_get_answer_validates_against_the_generated_client(
    client: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    spec = (await client.get("/openapi.json")).json()
    models = generated_models(spec, tmp_path)
    ids = {"wrestlerId": str(world.wrestler), "teamId": str(world.team)}
    checked: list[str] = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if op is None or path == "/metrics":
            continue
        names = re.findall(r"{(\w+)}", path)
        if any(n not in ids for n in names):
            continue  # ids of rows this test does not create (batches)
        ref = _success_ref(op)
        assert ref is not None, f"GET {path} documents no model"
        required = [p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
        params = {name: QUERY[name].format(**ids) for name in required}
        r = await client.get(path.format(**ids), params=params, headers=world.admin)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        body = r.json()
        model = _model(models, ref)
        for item in body if isinstance(body, list) else [body]:
            model.model_validate(item)
        checked.append(path)
    assert len(checked) >= 30, checked
