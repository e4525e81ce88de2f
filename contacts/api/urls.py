"""API v1 URLs, mounted at /v1/."""
urlpatterns: list = []
