"""The input stage: sources (files, folders, zips), coordinate systems found or inferred,
roles recognised from codes, names and aliases, geometry validated and repaired."""
