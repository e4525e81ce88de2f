"""WSGI entry point (gunicorn smartalex.wsgi): production settings unless DJANGO_SETTINGS_MODULE says otherwise."""
import os

from django.core.wsgi import get_wsgi_application

from smartalex.gc_tuning import tune_gc

# A WSGI server is a deployment: fail closed on production settings (manage.py stays local for development).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartalex.settings.production")
application = get_wsgi_application()
tune_gc()
