"""Printable A4 documents in Indonesian (fpdf2, DejaVu Sans from matplotlib's own fonts, so
nothing needs installing): a warning letter with its annex, and Satpol PP's worklist.

A letter is drawn from its stored row and annex only (never from today's rules or layers), its
creation date is the letter's time and nothing random goes in: the same letter gives the same
bytes whenever it is downloaded. Letters are official documents and stay in Indonesian.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from geo.casework.maps import inset_image, route_image
from geo.numformat import format_distance, format_number

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
APK_LABELS = {"baliho": "Baliho", "spanduk": "Spanduk", "umbul-umbul": "Umbul-umbul", "reklame": "Reklame",
              "poster": "Poster", "bendera": "Bendera", "lainnya": "Lainnya"}
VERDICTS = {"violation": "melanggar (di zona terlarang)", "outside_period": "di luar masa kampanye",
            "ok": "tidak melanggar", "incomplete": "data belum lengkap", "outside_area": "di luar wilayah"}
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class _Document(FPDF):
    """A4 portrait with DejaVu Sans and a footer line on every page."""

    def __init__(self, footer: str, created: dt.datetime):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer
        self.set_creation_date(created.astimezone(dt.UTC))
        self.set_producer("zonasi")
        self.set_creator("zonasi")
        self.set_lang("id")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        """The versions and the page number."""
        self.set_y(-13)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text}   ·   Halaman {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def line_text(self, text: str, size: float = 10, bold: bool = False, align: str = "L", height: float = 5.5):
        """One paragraph, wrapped at the margins."""
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, label: str, value: str, width: float = 28, size: float = 10) -> None:
        """``label : value`` with the values aligned."""
        self.set_font("DejaVu", "", size)
        self.cell(width, 5.5, label)
        self.cell(4, 5.5, ":")
        self.multi_cell(0, 5.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def long_date(instant: dt.datetime, zone, with_time: bool = False) -> str:
    """``15 Januari 2024`` (and ``pukul 10.00 WIB``) in ``zone``."""
    local = instant.astimezone(zone)
    text = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    if with_time:
        text += f" pukul {local:%H.%M} {ZONE_LABELS.get(str(zone), '')}".rstrip()
    return text


def letter_pdf(letter: dict, photo_file: Callable[[str], Path | None]) -> bytes:
    """The PDF of ``letter`` (:func:`geo.casework.letters.get_letter`: the row with its annex);
    ``photo_file`` finds a report's stored photo by its relative path (None: not there)."""
    from geo.casework.letters import local_time

    annex = letter["annex"]
    regency = annex["regency"]
    issued = dt.datetime.fromisoformat(letter["issued_at"].replace("Z", "+00:00"))
    deadline = dt.datetime.fromisoformat(letter["deadline"].replace("Z", "+00:00"))
    zone = local_time(issued, regency["code"]).tzinfo
    items = annex["items"]
    hours = float(annex["notice_hours"])
    pdf = _Document(f"Surat {letter['number']}   ·   versi aturan {letter['rules_version']}, versi lapisan "
                    f"{letter['layers_version']}", issued)
    pdf.set_title(f"Surat peringatan {letter['number']}")
    pdf.set_subject(f"Alat peraga kampanye {letter['participant']}")
    pdf.add_page()
    _letterhead(pdf, regency)
    place = regency["name"].removeprefix("Kabupaten ").removeprefix("Kota ")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 5.5, f"{place}, {long_date(issued, zone)}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.pair("Nomor", letter["number"])
    pdf.pair("Sifat", "Segera")
    pdf.pair("Lampiran", f"1 (satu) berkas: {len(items)} alat peraga kampanye")
    pdf.pair("Perihal", "Peringatan penurunan alat peraga kampanye")
    pdf.ln(4)
    pdf.line_text("Kepada Yth.")
    pdf.line_text(letter["participant"], bold=True)
    pdf.line_text("di tempat")
    pdf.ln(4)
    pdf.line_text(f"Berdasarkan hasil pengawasan Badan Pengawas Pemilihan Umum {regency['name']}, ditemukan "
                  f"{len(items)} alat peraga kampanye milik {letter['participant']} yang dipasang di tempat yang "
                  "dilarang, sebagaimana diuraikan dalam lampiran surat ini (tempat, koordinat, foto, jarak ke "
                  "tempat terlarang dan dasar hukumnya).", align="J")
    pdf.ln(2)
    pdf.line_text("Pemasangan tersebut bertentangan dengan ketentuan berikut:")
    for basis in _bases(items):
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(0, 5.5, f"•  {basis}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.line_text(f"Sehubungan dengan hal tersebut, kami meminta {letter['participant']} menurunkan seluruh alat "
                  f"peraga kampanye tersebut paling lambat {long_date(deadline, zone, with_time=True)}, yaitu "
                  f"{_hours(hours)} sejak surat ini. Alat peraga kampanye yang belum diturunkan sampai batas waktu "
                  "tersebut akan ditertibkan oleh Satuan Polisi Pamong Praja atas rekomendasi Bawaslu.", align="J")
    pdf.ln(2)
    pdf.line_text("Demikian surat ini disampaikan untuk segera dilaksanakan. Atas perhatian dan kerja samanya, "
                  "kami ucapkan terima kasih.", align="J")
    pdf.ln(8)
    pdf.set_x(pdf.w - pdf.r_margin - 75)
    pdf.multi_cell(75, 5.5, f"Bawaslu {regency['name']}\n\n\n\n{letter.get('issued_by') or ''}", align="C",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for number, item in enumerate(items, start=1):
        _annex_item(pdf, letter, regency, item, number, len(items), zone, photo_file)
    return bytes(pdf.output())


def _letterhead(pdf: _Document, regency: dict) -> None:
    pdf.line_text("BADAN PENGAWAS PEMILIHAN UMUM", 14, bold=True, align="C", height=7)
    pdf.line_text(regency["name"].upper(), 13, bold=True, align="C", height=7)
    pdf.line_text(f"Kode wilayah {regency['code']}", 8, align="C", height=4.5)
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_y(y + 5)


def _bases(items: list[dict]) -> list[str]:
    seen: list[str] = []
    for item in items:
        verdict = item["verdict"]
        if verdict.get("legal_basis"):
            label = verdict.get("category_label") or verdict.get("category") or ""
            text = f"{label}: {verdict['legal_basis']}" if label else verdict["legal_basis"]
            if text not in seen:
                seen.append(text)
    return seen or ["ketentuan larangan pemasangan alat peraga kampanye yang berlaku"]


def _hours(hours: float) -> str:
    if hours % 24 == 0:
        return f"{int(hours // 24)} x 24 jam"
    return f"{hours:g} jam"


def _annex_item(pdf: _Document, letter: dict, regency: dict, item: dict, number: int, total: int, zone,
                photo_file) -> None:
    if number % 2 == 1:
        pdf.add_page()
        pdf.line_text(f"LAMPIRAN SURAT NOMOR {letter['number']}", 10, bold=True, align="C")
        pdf.line_text(f"Alat peraga kampanye {letter['participant']} di {regency['name']}", 9, align="C")
        pdf.ln(2)
    else:
        pdf.ln(3)
    verdict = item["verdict"]
    pdf.line_text(f"{number}/{total}. {APK_LABELS.get(item['apk_type'], item['apk_type'])}: {item['place']}",
                  10, bold=True)
    top = pdf.get_y()
    pdf.image(inset_image(item, regency), x=pdf.l_margin, y=top, w=120, h=120 * 72 / 170)
    photo = photo_file(item["photo_path"]) if item.get("photo_path") else None
    if photo is not None and photo.is_file():
        pdf.image(str(photo), x=pdf.l_margin + 123, y=top, w=47, h=120 * 72 / 170, keep_aspect_ratio=True)
    else:
        pdf.set_xy(pdf.l_margin + 123, top + 20)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(47, 4.5, "(tanpa foto)", align="C")
    pdf.set_y(top + 120 * 72 / 170 + 2)
    distance = verdict.get("distance_m")
    buffer_m = verdict.get("buffer_m")
    site = verdict.get("site_name") or "-"
    label = verdict.get("category_label") or verdict.get("category") or ""
    accuracy = item.get("accuracy_m")
    measured = distance is not None and buffer_m is not None
    rows = [
        ("Laporan", item["id"]),
        ("Koordinat", f"{item['lat']:.6f}, {item['lon']:.6f}"
                      + (f" (akurasi ± {format_number(accuracy)} m)" if accuracy is not None else "")),
        ("Dilaporkan", long_date(dt.datetime.fromisoformat(item["reported_at"].replace("Z", "+00:00")), zone, True)
         if item.get("reported_at") else "-"),
        ("Tempat terlarang", f"{site}" + (f" ({label})" if label else "")),
        ("Jarak", f"{format_distance(distance)}; batas {format_distance(buffer_m)}" if measured else "-"),
        ("Putusan", VERDICTS.get(verdict.get("status") or "", verdict.get("status") or "-")),
        ("Dasar hukum", verdict.get("legal_basis") or "-"),
        ("Versi", f"aturan {item['rules_version']}, lapisan {item['layers_version']} (saat laporan)"),
    ]
    for name, value in rows:
        pdf.pair(name, str(value), width=32, size=8.5)


def worklist_pdf(title: str, subtitle: str, items: list[dict], length_m: float, start, outlines: list,
                 epsg: int, created: dt.datetime) -> bytes:
    """Satpol PP's printable worklist: a map of the route (stops numbered) and the numbered list
    of the props in route order (type, participant, place, deadline, leg)."""
    pdf = _Document(f"zonasi · daftar kerja · {len(items)} titik · {length_m / 1000:.2f} km", created)
    pdf.set_title(title)
    pdf.add_page()
    pdf.line_text(title, 14, bold=True, height=7)
    pdf.line_text(subtitle, 9)
    pdf.ln(2)
    if items:
        image = route_image([(i["lon"], i["lat"]) for i in items], start, outlines, epsg)
        pdf.image(image, x=pdf.l_margin, w=170, h=120)
    pdf.ln(3)
    widths = (10, 22, 34, 58, 30, 16)
    headers = ("No", "Jenis", "Peserta", "Tempat", "Batas waktu", "Jarak")
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=widths, text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
                   line_height=4.5, first_row_as_headings=True) as table:
        table.row(headers)
        for item in items:
            table.row((str(item["order"]), APK_LABELS.get(item["apk_type"], item["apk_type"]),
                       item.get("participant") or "-", item["place"],
                       _short_time(item.get("deadline"), item.get("regency_code")),
                       f"{item['leg_m']:,.0f} m".replace(",", ".")))
    return bytes(pdf.output())


def _short_time(value: str | None, regency_code: str | None) -> str:
    from geo.casework.letters import local_time

    if not value:
        return "-"
    local = local_time(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), regency_code or "31.71")
    return f"{local:%d-%m-%Y %H.%M} {ZONE_LABELS.get(str(local.tzinfo), '')}".rstrip()
