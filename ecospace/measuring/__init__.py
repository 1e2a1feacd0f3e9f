"""The measuring stage: coverage, overlaps, containment, township tables, land cover and
conflict pieces of a county's layers."""
