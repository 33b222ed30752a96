"""Invitations go out by e-mail when SMTP is configured: a real SMTP server on 127.0.0.1."""
from marketplace.accounts import invitations


def test_invitation_is_mailed_with_a_working_link(world, app, db, smtp_server, client):
    controller, inbox = smtp_server
    port = controller.port
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                "MAIL_FROM": "zorg@example.nl"}
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        with app.test_request_context():
            issued = invitations.invite_contact(world.users["carer"], world.own, email="zoon@example.nl",
                                             name="Zoon", relation="zoon", can_view=True, can_decide=False,
                                             can_pay=False)
            assert invitations.deliver_invitation(issued, world.own.name) is True
    finally:
        app.config.update(saved)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.mail_from == "zorg@example.nl" and message.rcpt_tos == ["zoon@example.nl"]
    body = message.content.decode()
    link = f"/invite/{issued.token}"
    assert link in body and world.own.name in body
    assert client.get(link).status_code == 200
