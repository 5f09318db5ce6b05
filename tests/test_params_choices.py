"""Choices for client-data fields, loaded through the library client from the sandbox."""

from __future__ import annotations

import pytest

from runner.choices import load_client_choices
from runner.header import parse_header_text
from runner.params import validate_params
from schoology_etl import Credentials, SchoologyClient


def test_choices_match_the_district(sandbox) -> None:  # noqa: ANN001
    state = sandbox.state()
    with SchoologyClient(Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)) as client:
        buildings = load_client_choices(client, "buildings")
        roles = load_client_choices(client, "roles")
        periods = load_client_choices(client, "grading_periods")
        with pytest.raises(ValueError, match="'courses' is not one of"):
            load_client_choices(client, "courses")
    assert {i for _, i in buildings} == {str(state["school"]["id"]), *state["buildings"]}
    assert {i for _, i in roles} == {*state["roles"], *state["building_roles"]}
    assert {i for _, i in periods} == set(state["grading_periods"])
    assert [t for t, _ in roles] == sorted((t for t, _ in roles), key=str.lower)
    # a value picked from the choices validates as a list of ids
    header = parse_header_text("title: T\nparams:\n  b: {type: buildings, required: true}")
    picked = [buildings[0][1], buildings[1][1]]
    assert validate_params(header, {"b": picked}) == {"b": picked}
