"""Form choices loaded from a client's own data, over real HTTP against the sandbox."""

from runner.choices import load_choices_with
from schoology_etl import Credentials, SchoologyClient


def test_choices_come_from_the_district(sandbox):
    state = sandbox.state()
    with SchoologyClient(Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)) as api:
        roles = load_choices_with(api, "roles")
        buildings = load_choices_with(api, "buildings")
        periods = load_choices_with(api, "grading_periods")
    role_titles = {title for title, _ in roles}
    assert {"Student", "Teacher", "Parent"} <= role_titles
    assert any("(" in t for t in role_titles), "building override roles are offered too"
    assert {value for _, value in buildings} == {*state["buildings"], str(state["school"]["id"])}
    assert {value for _, value in periods} == set(state["grading_periods"])
    assert len(roles) == len(state["roles"]) + len(state["building_roles"])
    assert roles == sorted(roles, key=lambda p: p[0].lower())
