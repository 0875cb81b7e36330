"""URL rules every route shares: ids beyond any database id are unknown (404), page numbers are clamped."""

from __future__ import annotations

import pytest

from app.urls import MAX_ID
from tests.factories import AdminFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import log_in


@pytest.mark.parametrize(
    "path",
    [
        "/meetings/{too_big}",
        "/agendas/{meeting}/items/{too_big}/edit",
        "/minutes/{too_big}",
        "/decisions/{too_big}",
        "/actions/{too_big}/edit",
        "/attendance/{meeting}/items/{too_big}/conflicts",
        "/exports/minutes/{too_big}.pdf",
    ],
)
def test_an_id_beyond_any_database_id_is_unknown(client, path):
    """PostgreSQL's integer ends at 2**31 - 1: a larger id used to reach the database and fail there (500)."""
    log_in(client, AdminFactory())
    item = AgendaItemFactory()
    response = client.get(path.format(too_big=MAX_ID + 1, meeting=item.meeting_id))
    assert response.status_code == 404


def test_the_largest_possible_id_is_still_looked_up(client):
    log_in(client, AdminFactory())
    assert client.get(f"/meetings/{MAX_ID}").status_code == 404


@pytest.mark.parametrize("path", ["/audit/", "/accounts/", "/decisions/", "/actions/"])
def test_a_huge_page_number_gives_an_empty_page(client, path):
    log_in(client, AdminFactory())
    assert client.get(f"{path}?page={10**30}").status_code == 200
