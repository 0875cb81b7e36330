from tests.factories import AdminFactory


def test_login_and_dashboard(client, auth, app):
    admin = AdminFactory(email="boss@example.org")
    response = auth.login("BOSS@example.org")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert admin.display_name in page.get_data(as_text=True)
    for url in ["/organisations/", "/accounts/", "/accounts/invite", "/accounts/profile", "/organisations/create"]:
        assert client.get(url).status_code == 200, url
