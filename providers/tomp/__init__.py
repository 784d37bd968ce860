"""TOMP-API (v1.6) booking adapter."""
