"""Load test of the trip API: gunicorn with two workers on loopback, driven by locust."""
