"""The sandbox operator: a real web service publishing GBFS feeds and TOMP-style booking for tests and the demo."""
