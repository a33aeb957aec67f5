"""Connectors for files people keep: CSV, XLSX, ODS and Parquet, one file or a folder of them."""
