"""Geometry maths: ellipsoidal, geodesic and planar areas; coordinate systems and zones."""
