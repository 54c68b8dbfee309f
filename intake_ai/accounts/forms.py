"""Forms of the account pages (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from intake_ai.auth.passwords import MAX_LENGTH
from intake_ai.models import Role

#: How an admin gives someone their first (or a reset) password.
GENERATE, TYPED, NO_PASSWORD = "generate", "typed", "none"
NO_SUPERVISOR = SelectChoice("", "none")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description="At least 12 characters, not a common password, not your username. "
        "A few unrelated words make a good one.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two entries differ.")],
    )


class NewUserForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[A-Za-z0-9._@-]+$", message="Letters, digits and . _ @ - only."),
        ],
    )
    display_name = StringField("Name shown on pages", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=[SelectChoice(r.value) for r in Role])
    #: Filled in by the page with the active supervisors.
    supervisor = SelectField("Supervisor (clinicians only)", choices=[NO_SUPERVISOR], default="")
    sign_in = RadioField(
        "Password",
        choices=[
            SelectChoice(GENERATE, "Generate a temporary password (shown once)"),
            SelectChoice(TYPED, "Type a temporary password"),
            SelectChoice(NO_PASSWORD, "No password (API only, or signs in through the host EHR)"),
        ],
        default=GENERATE,
    )
    password = PasswordField("Temporary password", validators=[Optional(), Length(max=MAX_LENGTH)])


class ResetPasswordForm(FlaskForm):
    how = RadioField(
        "New password",
        choices=[
            SelectChoice(GENERATE, "Generate a temporary password (shown once)"),
            SelectChoice(TYPED, "Type a temporary password"),
        ],
        default=GENERATE,
    )
    password = PasswordField("Temporary password", validators=[Optional(), Length(max=MAX_LENGTH)])


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
