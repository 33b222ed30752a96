"""The composition's own pages: home per role, language switch, error pages, the audit log,
the API root and the OpenAPI document assembled from every package."""
