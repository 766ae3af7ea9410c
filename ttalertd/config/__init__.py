"""The config step: credentials.yml found, read and validated into the records of records.py."""
