"""The health check for load balancers: 200 when the database answers, 503 when not, no details either way."""

from app import create_app


def test_healthy_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unavailable_when_the_database_is_unreachable():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://koop@127.0.0.1:1/koop"})
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert "koop" not in response.get_data(as_text=True).replace('"status"', "")
