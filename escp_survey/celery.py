"""The Celery app: `celery -A escp_survey worker` and `celery -A escp_survey beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")

app = Celery("escp_survey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
