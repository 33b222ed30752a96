"""A flush-only helper never rolls back its caller's transaction: a clash inside
``write_version`` undoes that version only (a savepoint), and the caller decides."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text

from care.models import PackageVersion
from care.models.packages import Status
from care.versions import ConcurrentChange, write_version
from marketplace.core import audit
from marketplace.core.audit import Action, AuditEvent
from marketplace.core.extensions import db


def test_a_clash_in_write_version_keeps_the_callers_work(priced_world, database_url):
    world, own = priced_world, priced_world.own
    nurse = world.users["nurse"]
    other = create_engine(database_url)

    done = []

    insert = text("INSERT INTO package_versions (client_id, number, status, use_savings, reason, created_by_id, "
                  "created_at) VALUES (:c, 2, 'proposal', false, 'elsewhere', :u, CURRENT_TIMESTAMP)")

    def someone_else_saves_first(conn, _cursor, statement, _parameters, _context, _executemany):
        # Right after our transaction read the highest version number, the same next number is
        # taken: on PostgreSQL by another transaction that commits; on SQLite, which lets one
        # writer in at a time, on our own connection behind the ORM's back (inside the
        # savepoint, so it goes when the savepoint is undone).
        if "max(package_versions.number)" in statement and not done:
            done.append(True)
            if conn.dialect.name == "postgresql":
                with other.begin() as elsewhere:
                    elsewhere.execute(insert, {"c": own.id, "u": nurse.id})
            else:
                conn.execute(insert, {"c": own.id, "u": nurse.id})

    audit.record(Action.UPDATE, actor=nurse, client_id=own.id, detail="the caller's own work")
    draft = PackageVersion(client_id=own.id, number=1, status=Status.DRAFT.value, created_by_id=nurse.id,
                           reason="the draft before")
    db.session.add(draft)
    db.session.flush()
    event.listen(db.engine, "after_cursor_execute", someone_else_saves_first)
    try:
        with pytest.raises(ConcurrentChange):
            write_version(nurse, own, {"C01": 7}, False, "ours", Status.DRAFT, None)
    finally:
        event.remove(db.engine, "after_cursor_execute", someone_else_saves_first)
        other.dispose()
    # The caller's transaction is still open and still holds its own work.
    assert db.session().in_transaction()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.detail == "the caller's own work")) == 1
    # The clash undid the replacement of the earlier draft too: it is still the draft.
    versions = db.session.execute(select(PackageVersion.reason, PackageVersion.status).where(
        PackageVersion.client_id == own.id).order_by(PackageVersion.number)).all()
    theirs = [("elsewhere", "proposal")] if db.engine.dialect.name == "postgresql" else []  # see above
    assert [tuple(v) for v in versions] == [("the draft before", "draft"), *theirs]
