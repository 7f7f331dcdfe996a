"""Draw the app's icons (web app manifest 192/512 px, favicon 32 px) with Pillow: a red pin with
a white ring on the dark navbar colour. Run once; the PNGs are committed under
webmap/static/zonasi/icons/."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "webmap" / "static" / "zonasi" / "icons"


def icon(size: int) -> Image.Image:
    """One square icon of ``size`` pixels (maskable: the pin stays inside the middle 80 %)."""
    image = Image.new("RGB", (size, size), (33, 37, 41))
    draw = ImageDraw.Draw(image)
    s = size / 100
    draw.ellipse([30 * s, 18 * s, 70 * s, 58 * s], fill=(220, 53, 69))
    draw.polygon([(33 * s, 47 * s), (67 * s, 47 * s), (50 * s, 82 * s)], fill=(220, 53, 69))
    draw.ellipse([41 * s, 29 * s, 59 * s, 47 * s], fill=(255, 255, 255))
    draw.ellipse([18 * s, 78 * s, 82 * s, 88 * s], outline=(255, 255, 255), width=max(1, round(2 * s)))
    return image


def main() -> None:
    """Write icon-192.png, icon-512.png and favicon-32.png."""
    OUT.mkdir(parents=True, exist_ok=True)
    for size, name in ((192, "icon-192.png"), (512, "icon-512.png"), (32, "favicon-32.png")):
        icon(size).save(OUT / name, optimize=True)


if __name__ == "__main__":
    main()
