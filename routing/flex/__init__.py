"""GTFS-Flex v2: on-demand zones, location groups, booking rules and pickup windows.

``load.py`` reads and validates the flex part of a feed, ``model.py`` holds the
compiled network, ``booking.py`` and ``durations.py`` the spec's timing rules and
``search.py`` finds flex rides between two points.
"""
