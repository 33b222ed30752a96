def test_login_page_renders_in_dutch_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Inloggen" in response.get_data(as_text=True) or "Log in" in response.get_data(as_text=True)


def test_family_sees_own_resident_in_api(world, auth, client):
    auth.login(world.email("family"))
    body = client.get("/api/v1/clients").get_json()
    assert [c["id"] for c in body["clients"]] == [world.own.id]
