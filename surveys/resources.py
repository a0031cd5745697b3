"""The partnership register as a spreadsheet: one row per contact.

Columns: acronym, name, programme, group, contact_name, contact_email. The same resource
serves the admin's import (with its preview) and `manage.py import_partnerships`, so both
accept and refuse exactly the same files.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import fields, resources, widgets

from surveys.models import Contact, Partnership
from surveys.uploads import max_rows

COLUMNS = ["acronym", "name", "programme", "group", "contact_name", "contact_email"]
REQUIRED = ["acronym", "programme", "contact_name", "contact_email"]
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Line breaks, tabs and other control characters (C0, DEL, C1) and the Unicode line and
# paragraph separators: a name with one cannot go into an email header and an acronym with
# one cannot go into an address.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# An acronym names the partnership in addresses, file names and sheet names.
ACRONYM_FORBIDDEN = "/\\?#%"


def clean_register_row(row: dict[str, Any]) -> dict[str, str]:
    """Normalise one row, or raise ValidationError naming each faulty column."""
    cleaned = {column: str(row.get(column) or "").strip() for column in COLUMNS}
    cleaned["contact_email"] = cleaned["contact_email"].lower()
    cleaned["programme"] = cleaned["programme"].lower()
    cleaned["group"] = cleaned["group"].lower()
    errors: dict[str, str] = {}
    for column in REQUIRED:
        if not cleaned[column]:
            errors[column] = f"The column '{column}' is empty."
    for column in ("programme", "group"):
        if cleaned[column] and not SLUG.match(cleaned[column]):
            errors[column] = f"'{cleaned[column]}' must be a slug such as escp-4i or strand-1."
    if cleaned["contact_email"] and "contact_email" not in errors:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"] = f"'{cleaned['contact_email']}' is not an email address."
    if len(cleaned["acronym"]) > 64:
        errors["acronym"] = "An acronym has at most 64 characters."
    for column in ("acronym", "name", "contact_name", "contact_email"):
        found = CONTROL.search(cleaned[column])
        if found and column not in errors:
            errors[column] = (
                f"'{CONTROL.sub(' ', cleaned[column])}' contains a line break or another control character "
                f"(U+{ord(found.group()):04X}): write it on one line."
            )
    bad = sorted({c for c in cleaned["acronym"] if c in ACRONYM_FORBIDDEN})
    if bad and "acronym" not in errors:
        errors["acronym"] = (
            f"'{cleaned['acronym']}' contains {' '.join(bad)}: an acronym cannot contain {' '.join(ACRONYM_FORBIDDEN)}."
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


class RegisterResource(resources.ModelResource):
    acronym = fields.Field(
        attribute="partnership", column_name="acronym", widget=widgets.ForeignKeyWidget(Partnership, "acronym")
    )
    name = fields.Field(attribute="partnership__name", column_name="name", readonly=True)
    programme = fields.Field(attribute="partnership__programme", column_name="programme", readonly=True)
    group = fields.Field(attribute="partnership__group", column_name="group", readonly=True)
    contact_name = fields.Field(attribute="name", column_name="contact_name")
    contact_email = fields.Field(attribute="email", column_name="contact_email")

    class Meta:
        model = Contact
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ["acronym", "contact_email"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        limit = max_rows()
        if dataset.height > limit:
            raise ValidationError(
                f"The file has {dataset.height:,} rows; an import takes at most {limit:,} (EXCHANGE_MAX_ROWS)."
            )
        missing = [c for c in REQUIRED if c not in (dataset.headers or [])]
        if missing:
            raise ValidationError(
                f"The file has no column {', '.join(missing)}; expected the columns {', '.join(COLUMNS)}."
            )

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        cleaned = clean_register_row(row)
        row.update(cleaned)
        # The partnership is created or updated from its columns first, so the contact row can
        # point to it (inside the import's transaction: a dry run leaves nothing behind).
        partnership, created = Partnership.objects.get_or_create(
            acronym=cleaned["acronym"],
            defaults={"name": cleaned["name"], "programme": cleaned["programme"], "group": cleaned["group"]},
        )
        if not created:
            changed = False
            for attr in ("name", "programme", "group"):
                if cleaned[attr] and getattr(partnership, attr) != cleaned[attr]:
                    setattr(partnership, attr, cleaned[attr])
                    changed = True
            if changed:
                partnership.save()

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Contact | None:
        return Contact.objects.filter(partnership__acronym=row["acronym"], email__iexact=row["contact_email"]).first()
