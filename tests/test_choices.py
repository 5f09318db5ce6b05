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


def test_one_lookup_reads_each_list_once_and_names_the_parameter(sandbox):
    from schoology_etl.errors import ConfigurationError
    from schoology_etl.provisioning.lookups import ClientLookups

    state = sandbox.state()
    with SchoologyClient(Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)) as api:
        look = ClientLookups(api)
        names = look.building_names
        sent = api.stats.requests
        assert look.building_names == names and look.places is look.places  # read once, kept
        assert api.stats.requests == sent
        assert names == {**{k: b["title"] for k, b in state["buildings"].items()},
                         str(state["school"]["id"]): state["school"]["title"]}
        assert set(look.role_names) == {*map(str, state["roles"]), *map(str, state["building_roles"])}
        assert look.role_titles.resolve("teacher") == next(k for k, r in state["roles"].items() if r["title"] == "Teacher")
        look.check_buildings(list(state["buildings"])[:1])
        try:
            look.check_buildings(["999999"], "only_buildings")
        except ConfigurationError as exc:
            assert str(exc).startswith("only_buildings: unknown id(s) 999999; known: ")
            assert state["school"]["title"] in str(exc)
        else:
            raise AssertionError("an unknown building id must be refused")
