"""Outgoing e-mail. Sent after the commit; without SMTP the message goes to the log."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send(to: str, subject: str, body: str) -> bool:
    """Send one message. :returns: True when handed to an SMTP server, False when only logged."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        # The body may hold a one-time link: a credential, so it never goes to the log.
        current_app.logger.warning("No MAIL_SERVER configured; e-mail %r to %s not sent", subject, to)
        return False
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    return True
