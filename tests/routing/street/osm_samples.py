"""Small OSM documents for the street import tests."""

from __future__ import annotations

TRICKY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="51.3000000" lon="9.4000000"/>
 <node id="2" lat="51.3000000" lon="9.4010000"/>
 <node id="3" lat="51.3010000" lon="9.4010000"/>
 <node id="4" lat="51.3010000" lon="9.4000000"/>
 <node id="5" lat="51.3005000" lon="9.4005000"/>
 <node id="6" lat="51.3005000" lon="9.4005000"/>
 <node id="7" lat="51.3020000" lon="9.4020000"><tag k="amenity" v="bicycle_parking"/></node>
 <node id="8" lat="51.3021000" lon="9.4021000"><tag k="amenity" v="bicycle_parking"/>
  <tag k="access" v="private"/></node>
 <node id="20" lat="51.3030000" lon="9.4030000"/>
 <node id="21" lat="51.3031000" lon="9.4030000"/>
 <node id="22" lat="51.3031000" lon="9.4031000"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Zeppelinstraße"/>
  <tag k="oneway" v="-1"/></way>
 <way id="11"><nd ref="2"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="steps"/></way>
 <way id="12"><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="footway"/><tag k="name" v="Am Fußweg"/></way>
 <way id="13"><nd ref="1"/><nd ref="5"/><nd ref="3"/><tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/>
  <tag k="ref" v="K 17"/></way>
 <way id="14"><nd ref="5"/><nd ref="6"/><nd ref="4"/><tag k="highway" v="cycleway"/><tag k="oneway" v="yes"/></way>
 <way id="15"><nd ref="1"/><nd ref="5"/><tag k="building" v="yes"/></way>
 <way id="16"><nd ref="1"/><nd ref="2"/><tag k="highway" v="service"/><tag k="name" v="Am Fußweg"/></way>
 <way id="17"><nd ref="4"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="name" v="Nur ein Punkt"/></way>
 <way id="30"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="20"/><tag k="amenity" v="bicycle_parking"/></way>
</osm>
"""
