"""HTTP plumbing shared by every router: request bodies, responses, paging and cursors,
the OpenAPI document, shared field checks, unknown query parameters."""
