"""Buildings of a user."""
