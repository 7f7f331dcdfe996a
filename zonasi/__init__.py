"""The ``zonasi`` command line: composes the engine (geo) and the web service (webmap)."""
