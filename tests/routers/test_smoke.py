from app.models.user import Role


async def test_employer_roundtrip(client, headers_for):
    admin = await headers_for(Role.inspector)
    body = {
        "uscc": "9144 0300-1922 0382 16",
        "name": "测试单位有限公司",
        "subject_type": "enterprise",
        "legal_representative": "张三",
        "town": "凤城镇",
        "industry_code": "C1311",
        "legal_representative_id_number": "141121199001011234",
    }
    r = await client.post("/api/v1/employers", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["uscc"] == "914403001922038216"
    assert r.json()["legal_representative_id_number"] == "1411**********1234"
    r2 = await client.get(f"/api/v1/employers/{r.json()['id']}", headers=admin)
    assert r2.status_code == 200
    assert r2.headers["etag"] == '"1"'
