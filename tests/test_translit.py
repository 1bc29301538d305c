from portal.translit import search_key, to_latin


def test_kazakh_letters_are_transliterated():
    assert to_latin("Нұрлан Қасымұлы") == "Nurlan Qasymuly"
    assert to_latin("Әсел Өмірбекова") == "Asel Omirbekova"


def test_kazakh_russian_and_latin_spellings_share_a_search_key():
    assert search_key("Нұрлан") == search_key("Нурлан") == search_key("Nurlan") == "nurlan"
    assert search_key("Қасымов") == search_key("Касымов") == search_key("Kasymov")
    assert search_key("Qasymov") == search_key("Kasymov")


def test_search_key_keeps_words_apart():
    assert search_key("Қасымов", "Нұрлан", None) == "kasimov nurlan"
