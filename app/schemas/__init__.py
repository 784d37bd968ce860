"""Pydantic models of the API's requests and responses, apart from the ORM models."""
