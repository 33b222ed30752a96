"""Pages for logging in and out, accepting an invitation, and personal API tokens."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.core.extensions import login_manager
from marketplace.core.forms import EmptyForm
from marketplace.core.http import safe_next
from marketplace.core.policy import Perm, authorize
from marketplace.core.ratelimits import PENDING_LOGIN, login_throttled, mark_login_failed, second_factor_throttled

from . import invitations, second_factor, sessions, tokens
from .forms import AcceptInvitationForm, LoginForm, SecondFactorForm, TokenForm

bp = Blueprint("auth", __name__)


def start_session(user) -> None:
    """A fresh session at login: nothing from before the login carries over."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True


# A password accepted, the second factor not yet: for this long the session may give it.
PENDING_SECONDS = 600


def begin_second_factor(user, next_url: str = "") -> None:
    """Half logged in: the session names the user, but Flask-Login does not know it, so every
    login_required page and the API refuse this session until the second factor is given."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[PENDING_LOGIN] = {"user": user.get_id(), "next": next_url or "", "at": int(time.time())}


def pending_user():
    """The user whose password was accepted in this session, if the second factor is due."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int) \
            or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = sessions.load_session_user(str(pending.get("user", "")))
    return user if user is not None and user.active else None


def second_factor_step():
    """Where a half-logged-in user goes next: the code, or enrolling first."""
    user = pending_user()
    if user is not None and not second_factor.enrolled(user):
        return redirect(url_for("auth.second_factor_setup"))
    return redirect(url_for("auth.second_factor"))


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
            if second_factor.needed(user):
                begin_second_factor(user, form.next.data)
                return second_factor_step()
            start_session(user)
            return redirect(safe_next(form.next.data))
    elif request.method == "POST":
        mark_login_failed()
    return render_template("auth/login.html", form=form, demo=current_app.config["DEMO_MODE"])


@bp.route("/login/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@second_factor_throttled
def second_factor_login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = pending_user()
    if user is None:
        return login_manager.unauthorized()
    if not second_factor.enrolled(user):
        return redirect(url_for("auth.second_factor_setup"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            second_factor.verify(user, form.code.data)
        except second_factor.InvalidCode as refused:
            mark_login_failed()
            form.code.errors.append(refused.message)
        else:
            next_url = session[PENDING_LOGIN].get("next", "")
            start_session(user)
            return redirect(safe_next(next_url))
    elif request.method == "POST":
        mark_login_failed()
    status = 422 if form.errors else 200
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/account/second-factor", methods=["GET", "POST"])
@second_factor_throttled
def second_factor_setup():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = pending_user()
    if user is None:
        return login_manager.unauthorized()
    if second_factor.enrolled(user):  # the secret is never shown again
        return redirect(url_for("auth.second_factor"))
    secret = second_factor.start_enrolment(user)
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(user, form.code.data)
        except second_factor.InvalidCode as refused:
            mark_login_failed()
            form.code.errors.append(refused.message)
        else:
            next_url = safe_next(session[PENDING_LOGIN].get("next", ""))
            start_session(user)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    elif request.method == "POST":
        mark_login_failed()
    status = 422 if form.errors else 200
    qr = second_factor.qr_svg_data_uri(second_factor.provisioning_uri(user, secret))
    return render_template("auth/second_factor_setup.html", form=form, secret=secret, qr=qr), status


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
    if request.method == "POST":
        authorize(current_user, Perm.API_TOKEN_CREATE)
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
