"""Adapters to sharing operators (GBFS availability and prices, TOMP-style booking).

``gbfs.pricing`` reads ``system_pricing_plans`` and prices rides exactly as the GBFS spec
defines segments. The provider interface, the polling client and the booking adapters
follow with the providers work. ``providers`` never imports ``app`` (import contract).
"""
