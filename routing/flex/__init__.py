"""GTFS-Flex v2: on-demand zones, location groups, booking rules and pickup windows.

``load.py`` reads and validates the flex part of a feed, ``model.py`` holds the
compiled network, ``timing.py`` the spec's booking windows and durations, and
``rides.py`` finds the flex rides serving a pickup and drop-off at a time and booking
moment; :mod:`routing.planner.flex` makes them itinerary legs.
"""
