"""Casework for Bawaslu and Satpol PP: numbered warning letters with their annex, printable as
A4 PDFs, and Satpol PP's worklist (the outstanding props in a short route, as JSON, GPX, KML, PDF).

    letter = issue_letter(store, participant=..., regency="32.12", ids=[...], actor=..., role=..., now=...)
    pdf = letter_pdf(get_letter(store, letter["number"]), store.photos.path)
    wl = worklist(store, ReportFilter(regency=("32.12",), overdue=True), start=(lat, lon))
"""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "letters": ["MAX_IDS", "get_letter", "issue_letter", "letter_number", "letter_pdf_file", "list_letters"],
    "pdf": ["letter_pdf"],
    "route": ["geodesic_matrix", "nearest_neighbour", "path_length", "plan_route", "two_opt"],
    "worklists": ["MAX_STOPS", "parse_start", "to_gpx", "to_kml", "to_pdf", "worklist"],
})
