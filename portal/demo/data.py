"""The raw material of the demo: the centres with their rooms, and the names, countries and
languages families are drawn from.

Plain constants, so that the builders read as the story they tell; changing a list changes
which families the same seed produces.
"""

from __future__ import annotations

from portal.accommodation.models import CentreKind, RoomUse

# (region code, kind, slug, name in kk/ru/en, address in kk/ru/en, phone, rooms as (floor,
# how many, use, beds in each)); the slug names the centre in the builders and in staff log-ins.
CENTRES = [
    (
        "KZ-47", CentreKind.ADAPTATION, "aktau",
        "Ақтау қаласының қандастарды бейімдеу және кіріктіру орталығы",
        "Центр адаптации и интеграции кандасов города Актау",
        "Aktau Adaptation and Integration Centre for Kandas",
        ("Ақтау қ., 12 шағын аудан, 5 үй", "г. Актау, 12-й микрорайон, дом 5", "Aktau, 12th microdistrict, building 5"), "+7 7292 50 12 34", [(1, 6, RoomUse.FAMILY, 4), (2, 4, RoomUse.FAMILY, 5), (2, 2, RoomUse.MEN, 3), (3, 2, RoomUse.WOMEN, 3)],
    ),
    (
        "KZ-47", CentreKind.TEMPORARY, "zhanaozen",
        "Жаңаөзен қаласының уақытша орналастыру орталығы",
        "Центр временного размещения города Жанаозен",
        "Zhanaozen Temporary Accommodation Centre",
        ("Жаңаөзен қ., Шұғыла ықшам ауданы, 14 үй", "г. Жанаозен, микрорайон Шугыла, дом 14", "Zhanaozen, Shugyla microdistrict, building 14"), "+7 72934 3 21 00", [(1, 5, RoomUse.FAMILY, 4), (2, 1, RoomUse.MEN, 4), (2, 1, RoomUse.WOMEN, 4)],
    ),
    (
        "KZ-47", CentreKind.TEMPORARY, "beineu",
        "Бейнеу ауылының уақытша орналастыру орталығы",
        "Центр временного размещения села Бейнеу",
        "Beineu Temporary Accommodation Centre",
        ("Бейнеу а., Тайсойған көшесі, 3 үй", "с. Бейнеу, ул. Тайсойган, дом 3", "Beineu, Taisoigan Street, building 3"), "+7 72932 2 15 40", [(1, 4, RoomUse.FAMILY, 4), (1, 1, RoomUse.MEN, 3)],
    ),
    (
        "KZ-61", CentreKind.ADAPTATION, "turkistan",
        "Түркістан облысының қандастарды бейімдеу және кіріктіру орталығы",
        "Центр адаптации и интеграции кандасов Туркестанской области",
        "Turkistan Region Adaptation and Integration Centre for Kandas",
        ("Түркістан қ., Тәуке хан даңғылы, 40 үй", "г. Туркестан, проспект Тауке хана, дом 40", "Turkistan, Tauke Khan Avenue, building 40"), "+7 72533 4 10 10", [(1, 4, RoomUse.FAMILY, 4), (2, 1, RoomUse.WOMEN, 3)],
    ),
]  # fmt: skip

MEN = [
    "Нұрлан",
    "Ерлан",
    "Бауыржан",
    "Жандос",
    "Серік",
    "Асқар",
    "Талғат",
    "Мұрат",
    "Дәулет",
    "Ержан",
    "Қайрат",
    "Болат",
    "Әділет",
    "Ерболат",
    "Санжар",
    "Нұрсұлтан",
    "Ділдахмет",
    "Құрманғазы",
]
WOMEN = [
    "Айгүл",
    "Гүлнар",
    "Әсел",
    "Жанар",
    "Мөлдір",
    "Ботагөз",
    "Сәуле",
    "Айнұр",
    "Динара",
    "Гүлмира",
    "Назерке",
    "Ақбота",
    "Перизат",
    "Күнсұлу",
    "Жұлдыз",
    "Аружан",
]
FATHERS = [
    "Қасым",
    "Омар",
    "Бекет",
    "Тоқтар",
    "Жұмабай",
    "Сапар",
    "Ахмет",
    "Нұрмұхамед",
    "Әбділда",
    "Төлеу",
]
SURNAMES = [
    "Қасымов",
    "Омаров",
    "Бекетов",
    "Тоқтаров",
    "Жұмабаев",
    "Сапаров",
    "Ахметов",
    "Нұрмұхамедов",
    "Әбділдаев",
    "Төлеуов",
    "Серікбаев",
    "Байжанов",
    "Оспанов",
    "Мұхамеджанов",
]
COUNTRIES = ["CN", "CN", "CN", "MN", "MN", "UZ", "UZ", "TM", "RU", "KG", "IR", "AF", "TR"]
LANGS = {"CN": "kk,zh", "MN": "kk,mn", "UZ": "kk,uz,ru", "TM": "kk,tk,ru", "RU": "kk,ru",
         "KG": "kk,ky,ru", "IR": "kk,fa", "AF": "kk,fa", "TR": "kk,tr"}  # fmt: skip
