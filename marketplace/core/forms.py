"""Forms every package uses."""
from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
