"""Transit routing: GTFS loading and validation, and the compiled timetable."""
