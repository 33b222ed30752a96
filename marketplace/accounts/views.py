"""Pages for logging in and out, accepting an invitation, and personal API tokens."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.core.forms import EmptyForm
from marketplace.core.http import safe_next
from marketplace.core.ratelimits import login_throttled, mark_login_failed

from . import invitations, sessions, tokens
from .forms import AcceptInvitationForm, LoginForm, TokenForm

bp = Blueprint("auth", __name__)


def start_session(user) -> None:
    """A fresh session at login: nothing from before the login carries over."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@login_throttled
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = sessions.authenticate(form.email.data, form.password.data)
        except sessions.InvalidCredentials:
            mark_login_failed()
            form.password.errors.append(_("This e-mail address and password do not match."))
        else:
            start_session(user)
            return redirect(safe_next(form.next.data))
    elif request.method == "POST":
        mark_login_failed()
    return render_template("auth/login.html", form=form, demo=current_app.config["DEMO_MODE"])


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.logout(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = invitations.find_open_invitation(token)
    except invitations.InvitationInvalid:
        return render_template("auth/invitation_invalid.html"), 410
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        existing = invitations.check_claim(invitation, actor) is not None
    except invitations.LoginRequired:
        # The invited address has an account: its owner logs in and comes back here.
        flash(_("You already have an account with %(email)s. Log in to accept the invitation.",
                email=invitation.email), "info")
        return redirect(url_for("auth.login", next=url_for("auth.accept_invitation", token=token)))
    except (invitations.WrongAccount, invitations.EmailUnavailable, invitations.StaffCannotBeContact) as refused:
        return render_template("errors/error.html", status=refused.status, message=refused.message), refused.status
    form = EmptyForm() if existing else AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(token, None if existing else form.password.data, actor=actor)
        except invitations.InvitationInvalid:
            return render_template("auth/invitation_invalid.html"), 410
        except sessions.WeakPassword:
            form.password.errors.append(_("This password cannot be used here."))
        else:
            if not existing:
                start_session(user)
            flash(_("Welcome! You now have access for %(name)s.", name=invitation.client.name), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation,
                           existing=existing), status


@bp.route("/account/tokens", methods=["GET", "POST"], endpoint="tokens")
@login_required
def manage_tokens():
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        new_secret = tokens.create_token(current_user._get_current_object(), form.name.data).secret
        form = TokenForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template("auth/tokens.html", form=form, tokens=tokens.list_tokens(current_user),
                           new_secret=new_secret, revoke_form=EmptyForm()), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.tokens"))
    try:
        tokens.revoke_token(current_user._get_current_object(), token_id)
    except tokens.TokenInvalid:
        return render_template("errors/error.html", status=404,
                               message=_("This page or item does not exist.")), 404
    flash(_("The token is revoked."), "info")
    return redirect(url_for("auth.tokens"))
