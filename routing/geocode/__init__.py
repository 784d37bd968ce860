"""Address and place search over the region's own OSM, built at ``region build`` time.

``extract`` reads addresses, streets, named places and POIs from an OSM file (pyosmium),
``index`` turns them (plus the timetable's stations) into memory-mappable arrays in the
region directory, and :class:`routing.geocode.geocoder.Geocoder` answers forward and
reverse queries over those arrays. ``text`` holds the German-aware normalisation.
"""
