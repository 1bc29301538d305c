def test_healthz_answers_200_when_the_database_is_reachable(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok"}


def test_staff_dashboard_shows_free_beds(f, login):
    centre = f.centre()
    f.room(centre, beds=3)
    staff = f.user("staff", centre=centre)
    client = login(staff)
    resp = client.get(f"/en/centres/{centre.id}")
    assert resp.status_code == 200
    assert 'id="beds-free">3<' in resp.text
