"""Draw BackCare's home-screen icons: patients/static/patients/icons/ (run from the repository root).

    python scripts/make_app_icons.py

A white spine of four rounded vertebrae on the brand's teal, drawn for this project: an SVG and
PNGs in the sizes the web app manifest and iOS ask for (192, 512, a 512 "maskable" one whose
drawing stays in the central safe zone, and 180 for apple-touch-icon). Pure Python (zlib), so it
needs nothing beyond the standard library; the output is committed, this script documents it.
"""

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "patients" / "static" / "patients" / "icons"
TEAL = (0x0B, 0x55, 0x63)
WHITE = (0xFF, 0xFF, 0xFF)
# In a 100 x 100 box: (centre x, centre y, width, height, corner radius), a gentle S curve.
VERTEBRAE = [(47, 24, 36, 12, 6), (51, 41, 40, 12, 6), (53, 58, 40, 12, 6), (49, 75, 36, 12, 6)]
BACKGROUND_RADIUS = 22


def rounded_rect_distance(x, y, cx, cy, w, h, r):
    """Signed distance from (x, y) to a rounded rectangle: negative inside."""
    qx, qy = abs(x - cx) - (w / 2 - r), abs(y - cy) - (h / 2 - r)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def coverage(distance, pixel):
    """How much of a pixel a shape covers, from its signed distance (anti-aliased edge)."""
    return min(max(0.5 - distance / pixel, 0.0), 1.0)


def draw(size: int, *, maskable: bool) -> bytes:
    pixel = 100 / size  # one pixel in the 100-unit box
    scale = 0.72 if maskable else 1.0  # maskable: the drawing stays inside the 80% safe circle
    rows = []
    for j in range(size):
        row = bytearray([0])  # PNG filter: none
        y = (j + 0.5) * pixel
        for i in range(size):
            x = (i + 0.5) * pixel
            if maskable:
                background = 1.0
            else:
                background = coverage(rounded_rect_distance(x, y, 50, 50, 100, 100, BACKGROUND_RADIUS), pixel)
            sx, sy = 50 + (x - 50) / scale, 50 + (y - 50) / scale
            spine = max(coverage(rounded_rect_distance(sx, sy, *v), pixel / scale) for v in VERTEBRAE)
            colour = [round(t + (w - t) * spine) for t, w in zip(TEAL, WHITE, strict=True)]
            row += bytes([*colour, round(255 * background)])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def svg() -> str:
    teal = "#{:02x}{:02x}{:02x}".format(*TEAL)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">',
        f'<rect width="100" height="100" rx="{BACKGROUND_RADIUS}" fill="{teal}"/>',
    ]
    for cx, cy, w, h, r in VERTEBRAE:
        parts.append(
            f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w}" height="{h}" rx="{r}" fill="#fff"/>'
        )
    return "\n".join([*parts, "</svg>", ""])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        ("icon-180.png", 180, False),
    ):
        (OUT / name).write_bytes(draw(size, maskable=maskable))
    (OUT / "icon.svg").write_text(svg())


if __name__ == "__main__":
    main()
