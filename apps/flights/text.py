"""Text folding for search: what a traveller types must find what the data spells, with
or without accents, in any case ("zurich" finds "Zürich", "lodz" finds "Łódź")."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "đ": "d", "\u0131": "i", "ð": "d", "þ": "th", "œ": "oe"}
)
# ' and its typographic twins: right and left quotes, acute, grave, modifier letters.
_APOSTROPHES = re.compile("['\u2019\u2018\u00b4`\u02bc\u02bb]")
_SEPARATORS = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """`text` lower-cased, without accents and with runs of whitespace collapsed to one
    space: `fold("  Zürich  Flughafen")` is `"zurich flughafen"`."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().translate(_LETTERS).split())


def search_key(text: str) -> str:
    """`fold(text)` with punctuation read as word breaks and apostrophes dropped, so that
    "Saint-Félicien" matches "saint felicien" and "O'Hare" matches "ohare". Airport
    `search_text` and autocomplete queries both go through it."""
    # Apostrophes go before folding: NFKD turns an acute accent on its own into a space.
    return " ".join(_SEPARATORS.sub(" ", fold(_APOSTROPHES.sub("", text))).split())
