"""Reading, mapping, checking and writing partnership tables (the import)."""
