"""Oversight's models. Each part keeps its models in its own module; this module gathers them."""
