"""Door-to-door planning across modes: requests, itineraries and the planner that joins the engines."""
