from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from surveys.services.demo_admin import demo_admin_read, demo_box, demo_links_mint
from surveys.services.demo_collaborations import demo_collaboration_links
from surveys.services.demo_plausibility import demo_implausible_links
from surveys.services.demo_review import demo_review_links


class Command(BaseCommand):
    help = "Print the demo's admin address and password and fresh coordinator links (after setup_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            demo_box(
                admin=demo_admin_read(),
                links=demo_links_mint() + demo_implausible_links() + demo_collaboration_links() + demo_review_links(),
            )
        )
