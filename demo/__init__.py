"""The demo federation: generated with a fixed seed (generate.py) and loaded through the ingest
path (load.py)."""
