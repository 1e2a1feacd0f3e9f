"""Independent references for area tests, written out here rather than read from ecospace.

The closed-form area of an ellipsoidal zone (DOMAIN.md §3): a latitude–longitude rectangle
has area b² ΔL [q(B2) − q(B1)], with
q(φ) = sin φ / (2(1 − e² sin² φ)) + ln((1 + e sin φ)/(1 − e sin φ)) / (4e).
"""

import numpy as np

# ellipsoids written out here, not read from pyproj, so the references stay independent
CGCS2000 = (6378137.0, 298.257222101)
IAG75 = (6378140.0, 298.257)  # Xian 1980
KRASSOWSKY = (6378245.0, 298.3)  # Beijing 1954


def zone_area(lon1, lat1, lon2, lat2, ellipsoid=CGCS2000):
    """Closed-form area (m²) of the lat-lon rectangle: b² ΔL [q(B2) − q(B1)]."""
    ld = np.longdouble  # extended precision: q(B2) − q(B1) cancels for thin zones
    a, rf = ld(ellipsoid[0]), ld(ellipsoid[1])
    f = 1 / rf
    b = a * (1 - f)
    e2 = f * (2 - f)
    e = np.sqrt(e2)
    rad = ld(np.pi) / 180

    def q(deg):
        s = np.sin(ld(deg) * rad)
        return s / (2 * (1 - e2 * s * s)) + np.log((1 + e * s) / (1 - e * s)) / (4 * e)

    return float(b * b * (ld(lon2) - ld(lon1)) * rad * (q(lat2) - q(lat1)))
