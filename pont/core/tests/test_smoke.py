from pont.testing.personas import CUSTODY


def test_home_greets_a_signed_in_custody_officer_by_role(world, as_persona):
    response = as_persona(CUSTODY).get("/")
    assert response.status_code == 200
    assert "Custody officer" in response.content.decode()
