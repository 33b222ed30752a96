"""Pages for the user's own notifications, settings and (in demo mode) the mail outbox."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import outbox
from marketplace.core.forms import EmptyForm
from marketplace.core.http import safe_next
from marketplace.core.numbers import int_arg
from marketplace.core.roles import Role

from . import notifications
from .access import chooses_api_access
from .forms import SettingsForm

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def bell():
    """The unread count for the header's bell: one query per page, none for anonymous visitors."""
    if getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": notifications.unread_count(current_user)}
    return {"unread_notifications": 0}


@bp.get("/notifications")
@login_required
def index():
    page = int_arg("page", 1, low=1, high=10_000)
    unread_only = request.args.get("show") == "unread"
    rows, has_next = notifications.page_of(current_user, page, unread_only)
    return render_template("auth/notifications.html", notifications=rows, page=page, has_next=has_next,
                           unread_only=unread_only, form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark read; with ``open`` go on to the object the notification is about."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    notification = notifications.mark_read(current_user, notification_id)
    if request.form.get("open") and notification.link:
        return redirect(safe_next(notification.link))
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if not EmptyForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    asks_for_tokens = chooses_api_access(user)
    form = SettingsForm(obj=user)
    if not asks_for_tokens:
        del form.api_access
    if form.validate_on_submit():
        notifications.update_settings(user, email_notifications=form.email_notifications.data,
                                      api_access=form.api_access.data if asks_for_tokens else None)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("auth/settings.html", form=form), 400 if form.errors else 200


@bp.get("/outbox")
@login_required
def outbox_page():
    """Demo (and test) mode: the e-mail that would have been sent (an admin sees the organisation's)."""
    if not current_app.config["OUTBOX_PAGE"]:
        abort(404)
    if current_user.has_role(Role.ADMIN):
        mails = outbox.queued_for(organisation_id=current_user.organisation_id)
    else:
        mails = outbox.queued_for(user_id=current_user.id)
    return render_template("auth/outbox.html", mails=mails, smtp=bool(current_app.config["MAIL_SERVER"]))
