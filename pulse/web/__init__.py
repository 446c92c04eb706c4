"""The web layer: the Starlette app, HTML views, JSON API, feeds, downloads, OpenAPI and stats."""
