"""Oversight's pages (issue 16)."""

from django.urls import path  # noqa: F401

app_name = "oversight"

urlpatterns: list = []
