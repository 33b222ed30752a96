"""Entry point for gunicorn and ``flask --app wsgi``."""
from marketplace import create_app

app = create_app()
