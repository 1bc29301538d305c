"""Latin transliteration of Kazakh and Russian Cyrillic names, and the search key.

The Latin form follows the 2021 Kazakh Latin alphabet without diacritics where a plain
ASCII letter is customary in passports (Ә→a, Ғ→g, Қ→q, Ң→n, Ө→o, Ұ→u, Ү→u, Һ→h, І→i), so
that a name typed in Cyrillic or in Latin, in Kazakh or in Russian spelling, finds the
same person: "Нұрлан", "Нурлан" and "Nurlan" share the search key "nurlan".
"""

from __future__ import annotations

import re
import unicodedata

_MAP = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# For the search key, letters that Kazakh and Russian spellings of one name swap are folded.
_SEARCH_FOLD = str.maketrans({"q": "k", "h": "kh", "y": "i"})


def to_latin(text: str) -> str:
    """Transliterate Cyrillic to Latin, keeping capitals; Latin input is returned as is."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _MAP:
            lat = _MAP[low]
            out.append(lat.capitalize() if ch != low and lat else lat)
        else:
            out.append(ch)
    return "".join(out)


def search_key(*parts: str | None) -> str:
    """A lower-case ASCII key, one space-separated word per name part, for substring search."""
    text = " ".join(p for p in parts if p)
    text = to_latin(text).lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_SEARCH_FOLD).replace("kkh", "kh")
    return " ".join(re.findall(r"[a-z0-9]+", text))
