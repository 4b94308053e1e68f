"""Passenger names: stored as typed (letters of Latin script, accents welcome) and in their
ICAO 9303 transliteration, the upper-case A-Z form of a passport's machine-readable zone
that tickets, manifests and boarding passes carry (DESIGN.md §3).

The transliteration follows ICAO Doc 9303 Part 3, section 6 (Latin characters): letters
with diacritics lose them (É → E, Ñ → N, Ç → C), except those the table spells out
(Ä → AE, Å → AA, Ö → OE, Ü → UE, Æ → AE, Ø → OE, Œ → OE, ß → SS, Þ → TH, Ĳ → IJ); a
hyphen is a filler (a space outside the MRZ) and an apostrophe is left out:
"José Núñez-García" → given "JOSE", family "NUNEZ GARCIA"; "O'Brien" → "OBRIEN".
"""

from __future__ import annotations

import re
import unicodedata

NAME_MAX_LENGTH = 60
# Every character may become two letters (Ä → AE).
ICAO_NAME_MAX_LENGTH = 2 * NAME_MAX_LENGTH
NAME_MESSAGE = (
    "Use letters of the Latin alphabet (accents are fine), spaces, hyphens or apostrophes, as in the passport."
)

# ICAO 9303 Part 3 spells these out; every other Latin letter with a diacritic loses it.
ICAO_LATIN = {
    "Ä": "AE",
    "Å": "AA",
    "Æ": "AE",
    "Ð": "D",
    "Ö": "OE",
    "Ø": "OE",
    "Ü": "UE",
    "Þ": "TH",
    "ß": "SS",
    "Đ": "D",
    "Ħ": "H",
    "Ĳ": "IJ",
    "ĸ": "K",
    "Ŀ": "L",
    "Ł": "L",
    "Ŋ": "N",
    "Œ": "OE",
    "Ŧ": "T",
}
SEPARATORS = {" ", "-", "\u2010", "\u2011"}  # space, hyphen-minus, hyphen, non-breaking hyphen
APOSTROPHES = {"'", "\u2019", "\u02bc", "`", "\u00b4"}  # apostrophe, right single quote, modifier letter, grave, acute


def _is_latin_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith("LATIN ")


def _letter_icao(char: str) -> str:
    """One Latin letter in A-Z, or "" when ICAO gives it none."""
    upper = char.upper() if len(char.upper()) == 1 else char  # "ß".upper() is "SS": use the table
    if upper in ICAO_LATIN:
        return ICAO_LATIN[upper]
    if char in ICAO_LATIN:
        return ICAO_LATIN[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", upper) if not unicodedata.combining(c))
    return base if re.fullmatch(r"[A-Z]+", base) else ""


def name_normalise(value: str) -> str:
    """A name as typed, in Unicode's composed form (NFC) and without outer or repeated spaces."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def name_is_valid(value: str) -> bool:
    """Latin letters (with any accents), spaces, hyphens and apostrophes, starting with a
    letter, and something ICAO can write: "José Núñez-García" yes, "Ада" or "<b>" no."""
    value = name_normalise(value)
    if not value or len(value) > NAME_MAX_LENGTH or not _is_latin_letter(value[0]):
        return False
    previous_is_letter = False
    for char in value:
        if _is_latin_letter(char):
            if not _letter_icao(char):
                return False
            previous_is_letter = True
        elif unicodedata.combining(char):
            if not previous_is_letter:  # an accent belongs to a letter
                return False
        elif char in SEPARATORS or char in APOSTROPHES:
            previous_is_letter = False
        else:
            return False
    return True


def name_icao(value: str) -> str:
    """The ICAO 9303 transliteration: upper-case A-Z and single spaces ("NUNEZ GARCIA")."""
    out: list[str] = []
    for char in name_normalise(value):
        if char in SEPARATORS:
            out.append(" ")
        elif char in APOSTROPHES or unicodedata.combining(char):
            continue
        else:
            out.append(_letter_icao(char))
    return " ".join("".join(out).split())
