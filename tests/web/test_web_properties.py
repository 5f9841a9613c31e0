"""Property test: no generated value in any form field, query parameter or path parameter of
any web route makes the UI answer 500.

The route table is walked (so a new route is covered without touching this file); each
example picks a route, a role and values for every parameter the UI reads, from text with
control characters and CJK, numbers far beyond 64 bits, Unicode digits, empty strings and
very long strings. The budget is fixed and derandomized so the test takes a few seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, Site, build_site, csrf_of, login

from mailagent.web import users as users_module
from mailagent.web.app import create_app

BUDGET = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
WEB = Path(__file__).resolve().parents[2] / "mailagent" / "web"


def _field_names() -> tuple[str, ...]:
    """Every form field a template renders and every parameter a route reads by name, so a
    new field is fuzzed without touching this file."""
    names = {"images"}
    for page in (WEB / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_]+)"', page.read_text(encoding="utf-8")))
    read = re.compile(r'(?:\.get|\.getlist|form_\w+|_param\w*)\(\s*(?:\w+,\s*)?"([a-z_]+)"')
    for module in WEB.rglob("*.py"):
        names |= set(read.findall(module.read_text(encoding="utf-8")))
    return tuple(sorted(names - {"csrf_token", "viewport", "authorization"}))


FIELDS = _field_names()
SKIP = {"/logout"}  # ends the session the other examples use

values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "²",
            "٣",
            "1e9",
            "99999999999999999999",
            "%00",
            "../..",
            "//evil.example",
            "zh",
            "en",
            "admin",
            "1",
            "inquiry",
            "pending",
            "30",
            '=HYPERLINK("x")',
            "\x00",
            "\ud7ff",
            "a" * 5000,
        ]
    ),
)
path_values = st.one_of(
    st.sampled_from(["1", "2", "99999999999999999999", "9223372036854775808", "0", "ACME"]),
    st.integers(min_value=0, max_value=2**70).map(str),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
        min_size=1,
        max_size=30,
    ),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    hasher = users_module._hasher
    users_module._hasher = FAST_HASHER
    tmp = Path(tmp_path_factory.mktemp("fuzzweb"))
    s = build_site(tmp, f"sqlite:///{tmp / 'web.db'}")
    yield s
    s.app.close()
    users_module._hasher = hasher


@pytest.fixture(scope="module")
def clients(site: Site) -> dict[str, tuple[TestClient, str]]:
    out = {}
    for who in ("kevin", "grace", "admin"):
        client = TestClient(create_app(site.app), raise_server_exceptions=False)
        out[who] = (client, login(client, who))
    anonymous = TestClient(create_app(site.app), raise_server_exceptions=False)
    out["anonymous"] = (anonymous, csrf_of(anonymous.get("/login").text))
    return out


def _routes(site: Site) -> list[tuple[str, str]]:
    found = []
    for route in create_app(site.app).routes:
        if isinstance(route, Route) and route.path not in SKIP:
            for method in sorted(route.methods or {"GET"}):
                if method in ("GET", "POST"):
                    found.append((method, route.path))
    return found


@st.composite
def request_spec(
    draw: st.DrawFn, routes: list[tuple[str, str]]
) -> tuple[str, str, str, dict[str, str]]:
    method, template = draw(st.sampled_from(routes))
    path = re.sub(r"\{[^}]+\}", lambda _m: quote(draw(path_values), safe=""), template)
    who = draw(st.sampled_from(["kevin", "grace", "grace", "admin", "anonymous"]))
    names = draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True))
    return method, path, who, {n: draw(values) for n in names}


def test_no_generated_input_gives_500(
    site: Site, clients: dict[str, tuple[TestClient, str]]
) -> None:
    routes = _routes(site)
    assert len(routes) > 20

    @BUDGET
    @given(request_spec(routes))
    def check(spec: tuple[str, str, str, dict[str, str]]) -> None:
        method, path, who, params = spec
        client, token = clients[who]
        if method == "GET":
            response = client.get(path, params=params, follow_redirects=False)
        else:
            response = client.post(
                path, data={**params, "csrf_token": token}, follow_redirects=False
            )
        assert response.status_code < 500, (method, path, who, params, response.text[:300])

    check()


# -- systematic sweeps: every route with the values that broke it before --------------------------

NASTY_PATH = ["99999999999999999999", "9223372036854775808", "9223372036854775807", "-1", "²",
              "٣", "%00", "a" * 300, "1e3"]  # fmt: skip
NASTY_FIELD = ["", "99999999999999999999", "²", "-1", "\x00", "a" * 2000, "=1+1", "../..", "zh"]


def _request(client: TestClient, token: str, method: str, path: str, params: dict[str, str]) -> int:
    if method == "GET":  # every field at once: keep the URL within what a client sends
        short = {k: v[:800] for k, v in params.items()}
        return client.get(path, params=short, follow_redirects=False).status_code
    data = {**params, "csrf_token": token}
    return client.post(path, data=data, follow_redirects=False).status_code


def test_every_path_parameter_with_hostile_values(
    site: Site, clients: dict[str, tuple[TestClient, str]]
) -> None:
    failures = []
    for method, template in _routes(site):
        if "{" not in template:
            continue
        for value in NASTY_PATH:
            path = re.sub(r"\{[^}]+\}", quote(value, safe=""), template)
            for who in ("grace", "kevin", "admin"):
                client, token = clients[who]
                status = _request(client, token, method, path, {})
                if status >= 500:
                    failures.append((status, method, path, who))
    assert failures == []


def test_every_field_with_hostile_values(
    site: Site, clients: dict[str, tuple[TestClient, str]]
) -> None:
    failures = []
    routes = [r for r in _routes(site) if not r[1].startswith("/admin/users/")]  # own password
    for method, template in routes:
        path = re.sub(r"\{[^}]+\}", "1", template)
        for value in NASTY_FIELD:
            for who in ("grace", "anonymous", "admin"):
                client, token = clients[who]
                status = _request(client, token, method, path, dict.fromkeys(FIELDS, value))
                if status >= 500:
                    failures.append((status, method, path, who, value[:20]))
    assert failures == []
