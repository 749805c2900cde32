"""Importers: pure parsers from an official file format to a `ParsedRelease`."""
