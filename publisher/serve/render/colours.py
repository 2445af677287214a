"""The official colours of the 17 SDGs, and a text colour for each that keeps WCAG 2.1 AA contrast.

Source of the colours (a presentation fact, not data): United Nations Department of Global
Communications, "Sustainable Development Goals: Guidelines for the use of the SDG logo including the
colour wheel, and 17 icons". Several goal colours are too light for white text (7 and 11 among
them), so the text colour is chosen per goal by computed contrast ratio, not by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

SDG_COLOURS: dict[int, str] = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2", 7: "#FCC30B",
    8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E", 13: "#3F7E44", 14: "#0A97D9",
    15: "#56C02B", 16: "#00689D", 17: "#19486A",
}
BLACK, WHITE = "#000000", "#FFFFFF"


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour ``#RRGGBB``."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Badge:
    goal: int
    background: str
    text: str

    @property
    def contrast(self) -> float:
        return contrast(self.background, self.text)


def badge(goal: int) -> Badge | None:
    """The badge colours of goal 1–17 (the text colour with the higher contrast), None for other numbers."""
    background = SDG_COLOURS.get(goal)
    if background is None:
        return None
    text = WHITE if contrast(background, WHITE) >= contrast(background, BLACK) else BLACK
    return Badge(goal, background, text)

