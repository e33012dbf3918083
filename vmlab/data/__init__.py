"""Data shipped inside vmlab (package data; see each folder's README)."""
