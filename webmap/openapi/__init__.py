"""``/openapi.json``: the OpenAPI 3.0 document of every endpoint (:mod:`.document`), from the
declared table of what each endpoint takes and returns (:mod:`.paths`)."""
from .document import HIDDEN_METHODS, MEDIA_TYPE, bp, build, openapi_path, undeclared

__all__ = ["HIDDEN_METHODS", "MEDIA_TYPE", "bp", "build", "openapi_path", "undeclared"]
