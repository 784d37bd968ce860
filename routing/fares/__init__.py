"""Fares: pass products and a tariff table as data, and the price of an itinerary for one traveller."""
