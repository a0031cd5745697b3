"""The only writers of the survey engine's data."""
