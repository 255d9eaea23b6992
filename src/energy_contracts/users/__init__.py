"""End users of a partner organisation."""
