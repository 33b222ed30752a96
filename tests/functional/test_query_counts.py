"""List pages keep a constant number of SQL statements, however long the list (no N+1)."""
import pytest

from care.models import PackageLine, PackageVersion, Service
from marketplace.core import audit
from marketplace.core.audit import Action, Outcome
from marketplace.core.extensions import db
from tests.factories import add_contact, make_client

LIST_PAGES = [
    ("carer", "/"),
    ("carer", "/api/v1/clients"),
    ("admin", "/"),
    ("admin", "/api/v1/clients"),
    ("board", "/board/"),  # the board's home is its dashboard (issue 14)
    ("board", "/api/v1/teams"),
    ("family", "/"),
    ("admin", "/admin/audit"),
    ("admin", "/reindications"),
    ("nurse", "/reindications"),
    ("carer", "/teams/{team}/reviews"),
    ("carer", "/api/v1/teams/{team}/reviews"),
    ("carer", "/clients/{own}/package/versions"),
    ("carer", "/api/v1/clients/{own}/package/versions"),
    ("admin", "/admin/catalogue"),
]


def _grow(world, n):
    """Add ``n`` residents to the own team (each with an active package, the family user as
    contact and an audit row), and ``n`` versions to the own resident."""
    nurse = world.users["nurse"]
    c01 = db.session.scalar(db.select(Service.id).where(Service.organisation_id == world.org.id,
                                                        Service.code == "C01"))
    start = len(db.session.scalars(db.select(PackageVersion).where(PackageVersion.client_id == world.own.id)).all())
    for i in range(n):
        resident = make_client(world.org, world.team.locations[0], world.team)
        add_contact(resident, world.users["family"])
        db.session.add(PackageVersion(client_id=resident.id, number=1, status="active", created_by_id=nurse.id,
                                      active_from=resident.start_date,
                                      lines=[PackageLine(service_id=c01, per_week=7)]))
        audit.record(Action.DENIED, actor=world.users["board"], client_id=resident.id, outcome=Outcome.DENIED)
        db.session.add(PackageVersion(client_id=world.own.id, number=start + i + 1, status="replaced",
                                      created_by_id=nurse.id, lines=[PackageLine(service_id=c01, per_week=i + 1)]))
    db.session.commit()


@pytest.mark.parametrize("role, path", LIST_PAGES, ids=[f"{r} {p}" for r, p in LIST_PAGES])
def test_list_pages_keep_a_constant_query_count(health_world, client, auth, count_queries, role, path):
    url = path.format(team=health_world.team.id, own=health_world.own.id)
    auth.login(health_world.email(role))
    _grow(health_world, 2)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(health_world, 12)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, f"{path}: {small.count} statements for a short list, {large.count} for a long one"
