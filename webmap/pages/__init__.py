"""The HTML pages (:mod:`.views`) and the Folium map of the map page (:mod:`.mapview`)."""
from .views import bp

__all__ = ["bp"]
