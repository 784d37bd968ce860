"""Trimmed text fields: what the published JSON Schema calls valid, the model accepts, and the reverse.

The fuzz test found a token of 20 characters with surrounding spaces: valid by the
document (``minLength: 20``), refused by the model (19 characters once stripped).
"""

from __future__ import annotations

import jsonschema
import pydantic
import pytest

from app.schemas.accounts import PasswordReset, VerifyEmail
from app.schemas.places import SavedPlaceIn

TOKEN = "t" * 19
CASES = [
    (VerifyEmail, "token", {}, [f" {TOKEN} ", f"{TOKEN}  ", " " * 25, TOKEN, TOKEN + "x", f"  {TOKEN}x  "]),
    (
        PasswordReset,
        "token",
        {"password": "a long enough password"},
        [f" {TOKEN} ", TOKEN + "x", f"\t{TOKEN}x\n", "\x00" * 20],
    ),
    (SavedPlaceIn, "name", {"kind": "home", "lat": 51.3, "lon": 9.5}, [" ", "   ", "Oma", "  Oma  ", "\x00"]),
]


def _model_accepts(model: type[pydantic.BaseModel], body: dict[str, object]) -> bool:
    try:
        model.model_validate(body)
    except pydantic.ValidationError:
        return False
    return True


def _document_accepts(model: type[pydantic.BaseModel], body: dict[str, object]) -> bool:
    try:
        jsonschema.validate(body, model.model_json_schema())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize(("model", "field", "rest", "values"), CASES, ids=[case[0].__name__ for case in CASES])
def test_document_and_model_agree(
    model: type[pydantic.BaseModel], field: str, rest: dict[str, object], values: list[str]
) -> None:
    verdicts = {
        value: (_document_accepts(model, {**rest, field: value}), _model_accepts(model, {**rest, field: value}))
        for value in values
    }
    assert all(document == accepted for document, accepted in verdicts.values()), verdicts
    assert {accepted for _, accepted in verdicts.values()} == {True, False}  # each field saw both answers
