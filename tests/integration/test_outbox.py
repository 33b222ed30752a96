"""The mail outbox against a real SMTP server (aiosmtpd on 127.0.0.1): a failing server leaves
the mail queued and the change committed; the next run sends it once; two workers never send
one message twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.accounts import notifications
from marketplace.accounts.notifications import Notification
from marketplace.core import outbox
from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db
from marketplace.core.outbox import OutboxMail
from tests.conftest import free_port, together

from flask_babel import lazy_gettext as _l

KIND = "test_outbox"
notifications.register_kind(KIND, _l("Hello from %(who)s"))


@pytest.fixture
def mail_to(app):
    """Point the app's mail at a port; restores the settings afterwards."""
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}

    def point(port: int) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield point
    app.config.update(saved)


def make_due() -> None:
    """Skip the back-off: every waiting message is due now."""
    db.session.execute(update(OutboxMail).where(OutboxMail.sent_at.is_(None))
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def queued() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_a_server_that_is_down_leaves_the_mail_queued_and_the_change_committed(world, app, mail_to, smtp_server):
    family = world.users["family"]
    notifications.notify([family], KIND, params={"who": "Team Eik"}, link="/")
    db.session.commit()

    mail_to(free_port())  # nobody listens there
    assert outbox.deliver() == (0, 1)
    notification = db.session.scalar(select(Notification).where(Notification.user_id == family.id))
    assert notification is not None and notification.text.endswith("Team Eik")  # the change stands
    [mail] = queued()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > utcnow()  # backed off: not tried again at once
    assert outbox.deliver() == (0, 0)

    controller, inbox = smtp_server
    mail_to(controller.port)
    make_due()
    assert outbox.deliver() == (1, 0)
    make_due()
    assert outbox.deliver() == (0, 0)  # once
    assert len(inbox.messages) == 1 and inbox.messages[0].rcpt_tos == [family.email]
    [mail] = queued()
    assert mail.sent_at is not None and mail.attempts == 2 and mail.last_error == ""


def test_a_refusing_server_is_retried(world, app, mail_to, smtp_server):
    controller, inbox = smtp_server
    inbox.refuse = 1
    mail_to(controller.port)
    notifications.notify([world.users["family"], world.users["carer"]], KIND, params={"who": "x"})
    db.session.commit()
    assert outbox.deliver() == (1, 1)
    make_due()
    assert outbox.deliver() == (1, 0)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == sorted([world.users["family"].email,
                                                                     world.users["carer"].email])


def test_two_workers_send_each_message_once(world, app, mail_to, smtp_server):
    controller, inbox = smtp_server
    mail_to(controller.port)
    for n in range(6):
        notifications.notify([world.users["family"]], KIND, params={"who": str(n)})
    db.session.commit()
    results = together(app, 4, lambda _i: outbox.deliver())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(sent for sent, _failed in results) == 6
    assert len(inbox.messages) == 6
    assert all(m.sent_at is not None for m in queued())


def test_without_smtp_nothing_is_sent_and_the_mail_waits(world, app):
    assert not app.config["MAIL_SERVER"]
    notifications.notify([world.users["family"]], KIND, params={"who": "x"})
    db.session.commit()
    assert outbox.deliver() == (0, 0)
    [mail] = queued()
    assert mail.sent_at is None and mail.attempts == 0


def test_mail_is_written_in_the_recipients_language_and_only_for_those_who_want_it(world, app):
    family, carer, nurse = world.users["family"], world.users["carer"], world.users["nurse"]
    family.locale, carer.locale = "en", "nl"
    nurse.email_notifications = False
    db.session.commit()
    with app.test_request_context():
        notifications.notify([family, carer, nurse, family], KIND, params={"who": "Team Eik"}, link="/clients/1")
    db.session.commit()
    mails = {m.to: m for m in queued()}
    assert set(mails) == {family.email, carer.email}  # once each; the nurse wants no e-mail
    assert mails[family.email].subject == "Zorgmarkt: Hello from Team Eik"
    assert "Hello from Team Eik" in mails[family.email].body and "/clients/1" in mails[family.email].body
    assert mails[carer.email].body.startswith(f"Beste {carer.name},")
    assert db.session.scalar(select(Notification).where(Notification.user_id == nurse.id)) is not None


def test_a_rolled_back_change_sends_nothing(world, app):
    notifications.notify([world.users["family"]], KIND, params={"who": "x"})
    db.session.rollback()
    assert queued() == []
    assert db.session.scalar(select(Notification)) is None


def test_the_worker_command(world, app, mail_to, smtp_server):
    controller, inbox = smtp_server
    mail_to(controller.port)
    notifications.notify([world.users["family"]], KIND, params={"who": "x"})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    assert len(inbox.messages) == 1


def test_after_the_response_the_queued_mail_goes_out(world, app, mail_to, smtp_server, monkeypatch):
    """With OUTBOX_DELIVER_AFTER_REQUEST, a request that queued mail sends it when its response closes
    (the app's own after-request hooks, as a view that notifies would pass through them)."""
    controller, inbox = smtp_server
    mail_to(controller.port)
    monkeypatch.setitem(app.config, "OUTBOX_DELIVER_AFTER_REQUEST", True)
    with app.test_request_context("/"):
        notifications.notify([world.users["family"]], KIND, params={"who": "y"})
        db.session.commit()
        response = app.process_response(app.make_response("queued"))
        assert inbox.messages == []  # not before the response is done
        response.close()
    assert len(inbox.messages) == 1


def test_a_request_that_queued_nothing_sends_nothing(world, app, mail_to, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    mail_to(controller.port)
    monkeypatch.setitem(app.config, "OUTBOX_DELIVER_AFTER_REQUEST", True)
    notifications.notify([world.users["family"]], KIND, params={"who": "earlier"})  # outside any request
    db.session.commit()
    with app.test_request_context("/"):
        app.process_response(app.make_response("nothing queued")).close()
    assert inbox.messages == []  # the worker sends it, not an unrelated request
