from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from surveys.services.demo import demo_load
from surveys.services.demo_admin import demo_admin_ensure, demo_box, demo_links_mint, password_file
from surveys.services.demo_collaborations import demo_collaboration_links
from surveys.services.demo_plausibility import demo_implausible_ensure, demo_implausible_links
from surveys.services.demo_review import demo_review_ensure, demo_review_links


class Command(BaseCommand):
    help = (
        "Load demo partnerships (fictional contacts), open demo waves, create an admin (its password "
        "is kept between runs), print where to go."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--new-password", action="store_true", help="Give the admin a new password (else the stored one is kept)"
        )
        parser.add_argument(
            "--no-links",
            action="store_true",
            help="Do not print the links (`make run` prints them once the server answers)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo_load()
        # Answers for the demo waves (and a closed first wave to compare with), so that the
        # reports have something to show.
        call_command("demo_responses", stdout=self.stdout)
        # A draft whose answers the plausibility checks flag (issue 15).
        demo_implausible_ensure()
        admin = demo_admin_ensure(new_password=options["new_password"])
        # A submission checked and one sent back with a message, by the admin (issue 15).
        demo_review_ensure()
        if admin.created_password:
            self.stdout.write(f"New admin password, kept in {password_file()} (setup_demo --new-password changes it).")
        if not options["no_links"]:
            self.stdout.write(
                demo_box(
                    admin=admin,
                    links=demo_links_mint()
                    + demo_implausible_links()
                    + demo_collaboration_links()
                    + demo_review_links(),
                )
            )
