"""OAuth 2.0 clients, access tokens and the Caller dependency."""
