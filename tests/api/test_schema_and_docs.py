"""The API describes itself: OpenAPI 3 as JSON, and Swagger UI served from our own
static files (intranets block CDNs)."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_openapi_json_is_valid_json_with_the_rollups_path_and_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Buzz API"
    assert schema["info"]["version"] == "1"

    rollups = schema["paths"]["/api/v1/metrics/rollups"]["get"]
    params = {p["name"]: p for p in rollups["parameters"]}
    assert set(params) == {
        "since",
        "until",
        "metric",
        "scope",
        "scope_id",
        "cursor",
        "limit",
        "format",
    }
    assert params["since"]["required"] is True
    assert params["scope"]["schema"]["anyOf"][0]["enum"] == ["all", "department", "group"]
    ok = rollups["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/RollupPage"}
    assert ok["text/csv"]["example"].startswith("day,metric,scope,scope_id,value")
    for status in ["401", "403", "422"]:
        error = rollups["responses"][status]["content"]["application/json"]
        assert error["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        assert set(error["example"]["error"]) == {"code", "message", "fields"}

    schemas = schema["components"]["schemas"]
    row = schemas["RollupRow"]
    assert set(row["required"]) == {"day", "metric", "scope", "scope_id", "value"}
    assert schemas["RollupPage"]["examples"][0]["items"][0]["metric"] == "post"
    assert "error" in schemas["ErrorOut"]["properties"]
    assert "/api/v1/me" in schema["paths"]
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_catch_all_is_not_in_the_schema(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert not [path for path in schema["paths"] if "rest" in path]


def test_docs_page_loads_our_own_swagger_files_and_no_external_host(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"
    # Swagger UI would otherwise fetch a validity badge from validator.swagger.io.
    assert '"validatorUrl": null' in html
    assert '"url": "/api/v1/openapi.json"' in html
