"""Street routing: OSM import, travel profiles and compiled per-profile graphs."""
