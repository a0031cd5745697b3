from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse

from surveys.models import Invitation, Response
from surveys.services.demo import demo_load
from surveys.services.waves import access_key_mint


class Command(BaseCommand):
    help = "Load demo partnerships (fictional contacts), open demo waves, create an admin, print where to go."

    def handle(self, *args: Any, **options: Any) -> None:
        waves = demo_load()
        # Answers for the demo waves (and a closed first wave to compare with), so that the
        # reports have something to show.
        call_command("demo_responses", stdout=self.stdout)
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.org"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        site = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("escp-survey is ready."))
        self.stdout.write(f"  Admin:            {site}{reverse('admin:index')}  (user admin, password {password})")
        for wave in waves:
            # A partnership that has not started, so the link leads to a fresh questionnaire.
            untouched = Response.objects.filter(wave=wave, status=Response.Status.NOT_STARTED).values("partnership")
            invitation = (
                Invitation.objects.filter(wave=wave, revoked_at__isnull=True, contact__partnership__in=untouched)
                .select_related("contact__partnership")
                .order_by("contact__partnership__acronym", "contact__email")
                .first()
            )
            if invitation is None:
                continue
            key = access_key_mint(invitation=invitation)
            self.stdout.write(
                f"  {wave.version.questionnaire.code:<24} {site}{reverse('surveys:welcome', args=[key])}"
                f"  ({invitation.contact.name})"
            )
        self.stdout.write("")
