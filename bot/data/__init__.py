"""CSV in and out: the export, pair and pool imports."""
