"""Checks and chores for the translation catalogs (kk, ru, en).

`python -m portal.catalogs fill-english` copies each English msgid into its msgstr (English is
the source language, but its catalog must still be complete); `python -m portal.catalogs check`
lists untranslated and fuzzy entries and exits non-zero when there are any.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("kk", "ru", "en")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def problems(lang: str) -> list[str]:
    """Untranslated or fuzzy entries of one catalog, as readable lines."""
    out = []
    for msg in read(lang):
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if not all(strings):
            out.append(f"{lang}: untranslated: {msg.id!r}")
        if msg.fuzzy:
            out.append(f"{lang}: fuzzy: {msg.id!r}")
    return out


def fill_english() -> None:
    catalog = read("en")
    for msg in catalog:
        if not msg.id:
            continue
        if isinstance(msg.id, tuple):
            msg.string = tuple(msg.id[i] if i < len(msg.id) else msg.id[-1] for i in range(2))
        else:
            msg.string = msg.id
        msg.flags.discard("fuzzy")
    with po_path("en").open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["fill-english"]:
        fill_english()
        return 0
    if argv[:1] == ["check"]:
        found = [line for lang in LANGUAGES for line in problems(lang)]
        print("\n".join(found) or "All catalogs complete.")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
