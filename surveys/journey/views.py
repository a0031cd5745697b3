"""The respondent's journey, from the personal link to the printable copy."""
