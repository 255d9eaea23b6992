"""HTTP plumbing shared by every router: responses, paging, request bodies."""
