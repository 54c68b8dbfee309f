"""Sign-in forms (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """A 6-digit authenticator code, or a recovery code (XXXX-XXXX-XXXX-XXXX)."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)])


class EnrolForm(CodeForm):
    """Confirming a new authenticator; a signed-in person also gives their password, so
    that nobody at an unattended screen can tie the account to their own phone."""

    password = PasswordField("Your password", validators=[Optional(), Length(max=200)])
