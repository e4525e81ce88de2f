"""WSGI entry point (gunicorn smartalex.wsgi): production settings unless DJANGO_SETTINGS_MODULE says otherwise."""
import os

from django.core.wsgi import get_wsgi_application

# A WSGI server is a deployment: fail closed on production settings (manage.py stays local for development).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartalex.settings.production")
application = get_wsgi_application()
