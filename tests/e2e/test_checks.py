"""The page checks themselves: axe must really run under the app's CSP and find a broken page."""

from __future__ import annotations

from tests.e2e.conftest import Site


def test_axe_runs_under_the_csp_and_finds_a_missing_label(site: Site) -> None:
    site.visit("/auth/login", name="login")
    assert site.axe() == []
    site.page.evaluate("() => document.querySelector('label[for=email]').remove()")
    assert "label" in {violation["id"] for violation in site.axe()}
