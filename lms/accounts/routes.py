"""Sign-in, sign-out, password reset, invitations and one's own account."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms import textrule
from lms.accounts import service, sessions
from lms.accounts.models import User
from lms.accounts.forms import ChangePasswordForm, ForgotPasswordForm, LanguageForm, LoginForm, NewPasswordForm, ProfileForm
from lms.forms import ConfirmForm, add_error, text_of
from lms.transaction import commit

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect would make phishing links look like ours.
    if not target or not textrule.is_acceptable(target, multiline=False):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(text_of(form.email), text_of(form.password), address=request.remote_addr)
        except service.SignInThrottled as exc:
            commit()
            flash(_("Too many failed sign-ins. Wait %(minutes)d minutes and try again.", minutes=exc.minutes), "error")
            return render_template("auth/login.html", form=form), 429
        except service.InvalidCredentials:
            commit()
            flash(_("The email address or password is incorrect."), "error")
            return render_template("auth/login.html", form=form), 401
        _start_session(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (POST only, so a link on another site cannot sign anyone out)."""
    service.sign_out(current_user)
    commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether or not the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(text_of(form.email))
        commit()
        flash(_("If the address belongs to an account, we have sent a link to reset the password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.errorhandler(service.TokenInvalid)
def _token_invalid(error: service.TokenInvalid) -> ResponseReturnValue:
    return render_template("auth/token_invalid.html"), 410


def _start_session(user: User) -> None:
    """Commit the work so far with a new session row, then sign the browser in to that row."""
    sessions.open_session(user)
    commit()
    session.clear()  # a fresh session: nothing carried over from before sign-in (no fixation)
    login_user(user)
    session["locale"] = user.locale


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password with a single-use link."""
    service.peek_token(token, service.RESET)
    form = NewPasswordForm()
    if form.validate_on_submit():
        service.reset_password(token, text_of(form.password))
        commit()
        flash(_("Your password has been changed. Please sign in."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Set a password from an invitation and sign in."""
    user = service.peek_token(token, service.INVITE)
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = service.accept_invitation(token, text_of(form.password))
        _start_session(user)
        flash(_("Welcome! Your account is ready."), "info")
        return redirect(url_for("home.index"))
    return render_template("auth/invite.html", form=form, invited=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """One's own name, furigana and language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        service.update_profile(current_user, name=text_of(form.display_name), furigana=form.furigana.data,
                               locale=form.locale.data)
        session["locale"] = form.locale.data
        commit()
        flash(_("Saved."), "info")
        return redirect(url_for("auth.account"))
    return _account_page(form=form)


def _account_page(status: int = 200, **forms: object) -> tuple[str, int]:
    forms.setdefault("form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", ChangePasswordForm())
    forms.setdefault("sessions_form", ConfirmForm())
    return render_template("auth/account.html", **forms), status


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(400, password_form=form)
    if not current_user.check_password(form.current.data):
        add_error(form.current, _("The current password is incorrect."))
        return _account_page(400, password_form=form)
    service.change_password(current_user, text_of(form.password))
    commit()
    flash(_("Your password has been changed. You have been signed out on your other devices."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    """Sign out everywhere else: every other browser of this person; this one stays signed in."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.sign_out_elsewhere(current_user)
    commit()
    flash(_("You have been signed out on every other device."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the UI language (kept on the account when signed in)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        service.set_locale(current_user, form.locale.data)
        commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))
