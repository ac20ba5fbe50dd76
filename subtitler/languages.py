"""Every language Whisper knows, with its English and native names and its ISO 639-2 codes.

The table is keyed by Whisper's own code (`faster_whisper.tokenizer._LANGUAGE_CODES`): the ISO 639-1
code for almost all, plus "haw" (Hawaiian, no 639-1 code), "yue" (Cantonese) and "jw" (Javanese,
whose ISO 639-1 code is really "jv"). ISO 639-2 has two codes for about twenty languages: the
terminology code (T, "fra") and the bibliographic one (B, "fre"); for the others both are the same.

`normalize()` turns what a person types ("fr", "FR", "fra", "fre", "French", "Français", "pt-BR")
into the Whisper code; `get()` returns the `Language`; `iso639_2()` gives the three-letter code
(for instance for a subtitle track's language tag).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # Whisper / ISO 639-1 code, e.g. "fr"
    name: str  # English name, "French"
    native: str  # "Français"
    iso639_2t: str  # "fra"
    iso639_2b: str  # "fre"


# One language a line: Whisper code | English name | native name | ISO 639-2/T | ISO 639-2/B.
# Order follows faster_whisper.tokenizer._LANGUAGE_CODES.
# "yue" (Cantonese) has no ISO 639-2 code of its own (only 639-3 "yue"): it gets the Chinese
# macrolanguage's codes, zho/chi, so it is the one documented duplicate with "zh".
_TABLE = """
af  | Afrikaans         | Afrikaans         | afr | afr
am  | Amharic           | አማርኛ              | amh | amh
ar  | Arabic            | العربية           | ara | ara
as  | Assamese          | অসমীয়া            | asm | asm
az  | Azerbaijani       | Azərbaycanca      | aze | aze
ba  | Bashkir           | Башҡортса         | bak | bak
be  | Belarusian        | Беларуская        | bel | bel
bg  | Bulgarian         | Български         | bul | bul
bn  | Bengali           | বাংলা              | ben | ben
bo  | Tibetan           | བོད་སྐད་            | bod | tib
br  | Breton            | Brezhoneg         | bre | bre
bs  | Bosnian           | Bosanski          | bos | bos
ca  | Catalan           | Català            | cat | cat
cs  | Czech             | Čeština           | ces | cze
cy  | Welsh             | Cymraeg           | cym | wel
da  | Danish            | Dansk             | dan | dan
de  | German            | Deutsch           | deu | ger
el  | Greek             | Ελληνικά          | ell | gre
en  | English           | English           | eng | eng
es  | Spanish           | Español           | spa | spa
et  | Estonian          | Eesti             | est | est
eu  | Basque            | Euskara           | eus | baq
fa  | Persian           | فارسی             | fas | per
fi  | Finnish           | Suomi             | fin | fin
fo  | Faroese           | Føroyskt          | fao | fao
fr  | French            | Français          | fra | fre
gl  | Galician          | Galego            | glg | glg
gu  | Gujarati          | ગુજરાતી            | guj | guj
ha  | Hausa             | Hausa             | hau | hau
haw | Hawaiian          | ʻŌlelo Hawaiʻi    | haw | haw
he  | Hebrew            | עברית             | heb | heb
hi  | Hindi             | हिन्दी              | hin | hin
hr  | Croatian          | Hrvatski          | hrv | hrv
ht  | Haitian Creole    | Kreyòl ayisyen    | hat | hat
hu  | Hungarian         | Magyar            | hun | hun
hy  | Armenian          | Հայերեն           | hye | arm
id  | Indonesian        | Bahasa Indonesia  | ind | ind
is  | Icelandic         | Íslenska          | isl | ice
it  | Italian           | Italiano          | ita | ita
ja  | Japanese          | 日本語            | jpn | jpn
jw  | Javanese          | Basa Jawa         | jav | jav
ka  | Georgian          | ქართული           | kat | geo
kk  | Kazakh            | Қазақ тілі        | kaz | kaz
km  | Khmer             | ភាសាខ្មែរ           | khm | khm
kn  | Kannada           | ಕನ್ನಡ              | kan | kan
ko  | Korean            | 한국어            | kor | kor
la  | Latin             | Latina            | lat | lat
lb  | Luxembourgish     | Lëtzebuergesch    | ltz | ltz
ln  | Lingala           | Lingála           | lin | lin
lo  | Lao               | ລາວ               | lao | lao
lt  | Lithuanian        | Lietuvių          | lit | lit
lv  | Latvian           | Latviešu          | lav | lav
mg  | Malagasy          | Malagasy          | mlg | mlg
mi  | Maori             | Te reo Māori      | mri | mao
mk  | Macedonian        | Македонски        | mkd | mac
ml  | Malayalam         | മലയാളം            | mal | mal
mn  | Mongolian         | Монгол            | mon | mon
mr  | Marathi           | मराठी              | mar | mar
ms  | Malay             | Bahasa Melayu     | msa | may
mt  | Maltese           | Malti             | mlt | mlt
my  | Burmese           | မြန်မာ              | mya | bur
ne  | Nepali            | नेपाली              | nep | nep
nl  | Dutch             | Nederlands        | nld | dut
nn  | Norwegian Nynorsk | Nynorsk           | nno | nno
no  | Norwegian         | Norsk             | nor | nor
oc  | Occitan           | Occitan           | oci | oci
pa  | Punjabi           | ਪੰਜਾਬੀ             | pan | pan
pl  | Polish            | Polski            | pol | pol
ps  | Pashto            | پښتو              | pus | pus
pt  | Portuguese        | Português         | por | por
ro  | Romanian          | Română            | ron | rum
ru  | Russian           | Русский           | rus | rus
sa  | Sanskrit          | संस्कृतम्            | san | san
sd  | Sindhi            | سنڌي              | snd | snd
si  | Sinhala           | සිංහල             | sin | sin
sk  | Slovak            | Slovenčina        | slk | slo
sl  | Slovenian         | Slovenščina       | slv | slv
sn  | Shona             | chiShona          | sna | sna
so  | Somali            | Soomaali          | som | som
sq  | Albanian          | Shqip             | sqi | alb
sr  | Serbian           | Српски            | srp | srp
su  | Sundanese         | Basa Sunda        | sun | sun
sv  | Swedish           | Svenska           | swe | swe
sw  | Swahili           | Kiswahili         | swa | swa
ta  | Tamil             | தமிழ்              | tam | tam
te  | Telugu            | తెలుగు             | tel | tel
tg  | Tajik             | Тоҷикӣ            | tgk | tgk
th  | Thai              | ไทย               | tha | tha
tk  | Turkmen           | Türkmençe         | tuk | tuk
tl  | Tagalog           | Tagalog           | tgl | tgl
tr  | Turkish           | Türkçe            | tur | tur
tt  | Tatar             | Татарча           | tat | tat
uk  | Ukrainian         | Українська        | ukr | ukr
ur  | Urdu              | اردو              | urd | urd
uz  | Uzbek             | Oʻzbekcha         | uzb | uzb
vi  | Vietnamese        | Tiếng Việt        | vie | vie
yi  | Yiddish           | ייִדיש             | yid | yid
yo  | Yoruba            | Yorùbá            | yor | yor
zh  | Chinese           | 中文              | zho | chi
yue | Cantonese         | 粵語              | zho | chi
"""


def _parse(table: str) -> dict[str, Language]:
    languages: dict[str, Language] = {}
    for line in table.strip().splitlines():
        code, name, native, iso_t, iso_b = (field.strip() for field in line.split("|"))
        languages[code] = Language(code, name, native, iso_t, iso_b)
    return languages


LANGUAGES: dict[str, Language] = _parse(_TABLE)

# Other spellings people use: old or proper ISO 639-1 codes, Whisper's own aliases, common names.
_ALIASES: dict[str, str] = {
    "jv": "jw",  # the real ISO 639-1 code for Javanese
    "iw": "he",  # withdrawn ISO 639-1 codes
    "in": "id",
    "ji": "yi",
    "nb": "no",  # Norwegian Bokmål
    "nob": "no",
    "fil": "tl",  # Filipino
    "filipino": "tl",
    "castilian": "es",
    "valencian": "ca",
    "flemish": "nl",
    "moldavian": "ro",
    "moldovan": "ro",
    "letzeburgesch": "lb",
    "pushto": "ps",
    "panjabi": "pa",
    "haitian": "ht",
    "sinhalese": "si",
    "myanmar": "my",
    "farsi": "fa",
    "mandarin": "zh",
    "bokmål": "no",
}


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    # Earlier sources win: Whisper codes first, then ISO 639-2 codes (so "zho"/"chi" give "zh", not "yue"),
    # then names and aliases.
    for lang in LANGUAGES.values():
        lookup.setdefault(lang.code, lang.code)
    for lang in LANGUAGES.values():
        lookup.setdefault(lang.iso639_2t, lang.code)
        lookup.setdefault(lang.iso639_2b, lang.code)
    for lang in LANGUAGES.values():
        lookup.setdefault(lang.name.casefold(), lang.code)
        lookup.setdefault(lang.native.casefold(), lang.code)
    for alias, code in _ALIASES.items():
        lookup.setdefault(alias, code)
    return lookup


_LOOKUP: dict[str, str] = _build_lookup()


def _unknown(code: str) -> ValueError:
    key = code.strip().casefold()
    close = difflib.get_close_matches(key, _LOOKUP, n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(_LOOKUP[match] for match in close))
    if suggestions:
        hint = "did you mean " + ", ".join(f"'{s}' ({LANGUAGES[s].name})" for s in suggestions) + "?"
    else:
        hint = f"use a Whisper code such as 'en', 'fr', 'de' or 'zh', or a name like 'French' ({len(LANGUAGES)} known)"
    return ValueError(f"unknown language code '{code}'; {hint}")


def normalize(code: str) -> str:
    """The Whisper code for a code or name: "fr", "FR", "fra", "fre", "French", "Français", "pt-BR" -> "fr"/"pt".

    Region, script and other subtags after "-" or "_" are dropped ("pt_BR" -> "pt", "zh-Hant-TW" -> "zh").
    Raises ValueError when the language is not one Whisper knows.
    """
    key = code.strip().casefold()
    found = _LOOKUP.get(key)
    if found is None and key:
        primary = key.replace("_", "-").split("-", 1)[0]
        found = _LOOKUP.get(primary)
    if found is None:
        raise _unknown(code)
    return found


def get(code: str) -> Language:
    """The `Language` for anything `normalize()` accepts; ValueError if it is unknown."""
    return LANGUAGES[normalize(code)]


def iso639_2(code: str, bibliographic: bool = False) -> str:
    """The ISO 639-2 code: terminology ("fra", "deu") by default, bibliographic ("fre", "ger") if asked."""
    lang = get(code)
    return lang.iso639_2b if bibliographic else lang.iso639_2t
