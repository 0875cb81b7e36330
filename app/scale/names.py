"""Plausible German names for generated data: the 16 states, their ministries, places, people and topics.

Real where it is cheap to be real (states, their number of districts and municipalities, the big IT service
providers); generated but plausible elsewhere (place and person names).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    """A German state: its code, AGS prefix, name, and how many districts and municipalities it really has."""

    code: str  # two letters, used in body codes
    ags: str  # the two-digit official key
    name: str
    rural_districts: int  # Landkreise (and the Regionalverband Saarbrücken, the Region Hannover)
    urban_districts: int  # kreisfreie Städte (they have no municipalities below them here)
    municipalities: int
    city_state: bool = False


# The Saarland comes from the real data (app/data/saarland-organisations.csv); the figures are of 2023.
STATES = (
    State("SH", "01", "Schleswig-Holstein", 11, 4, 1106),
    State("HH", "02", "Hamburg", 0, 0, 1, city_state=True),
    State("NI", "03", "Niedersachsen", 37, 8, 941),
    State("HB", "04", "Bremen", 0, 0, 2, city_state=True),
    State("NW", "05", "Nordrhein-Westfalen", 31, 22, 396),
    State("HE", "06", "Hessen", 21, 5, 421),
    State("RP", "07", "Rheinland-Pfalz", 24, 12, 2301),
    State("BW", "08", "Baden-Württemberg", 35, 9, 1101),
    State("BY", "09", "Bayern", 71, 25, 2056),
    State("SL", "10", "Saarland", 6, 0, 52),
    State("BE", "11", "Berlin", 0, 0, 1, city_state=True),
    State("BB", "12", "Brandenburg", 14, 4, 413),
    State("MV", "13", "Mecklenburg-Vorpommern", 6, 2, 726),
    State("SN", "14", "Sachsen", 10, 3, 418),
    State("ST", "15", "Sachsen-Anhalt", 11, 3, 218),
    State("TH", "16", "Thüringen", 17, 5, 605),
)
SAARLAND = next(state for state in STATES if state.code == "SL")
CITY_STATE_MUNICIPALITIES = {"HH": ("Hamburg",), "HB": ("Bremen", "Bremerhaven"), "BE": ("Berlin",)}

MINISTRIES = (
    ("Staatskanzlei", "STK"),
    ("Ministerium des Innern", "MI"),
    ("Ministerium der Finanzen", "MF"),
    ("Ministerium für Wirtschaft und Digitales", "MWD"),
    ("Ministerium für Bildung und Kultur", "MBK"),
    ("Ministerium für Arbeit und Soziales", "MAS"),
    ("Ministerium der Justiz", "MJ"),
    ("Ministerium für Umwelt und Verkehr", "MUV"),
    ("Ministerium für Gesundheit", "MG"),
)
CITY_STATE_MINISTRIES = (
    ("Senatskanzlei", "SK"),
    ("Senatsverwaltung für Inneres", "SenInn"),
    ("Senatsverwaltung für Finanzen", "SenFin"),
    ("Senatsverwaltung für Wirtschaft", "SenWi"),
    ("Senatsverwaltung für Bildung", "SenBi"),
    ("Senatsverwaltung für Soziales", "SenSo"),
    ("Senatsverwaltung für Justiz", "SenJu"),
)
MUNICIPAL_ASSOCIATIONS = (("Städtetag", "ST"), ("Landkreistag", "LKT"), ("Gemeindetag", "GT"))
IT_SERVICE_PROVIDERS = (
    ("Komm.ONE", "Komm.ONE"),
    ("ekom21 – KGRZ Hessen", "ekom21"),
    ("ITEOS", "ITEOS"),
    ("Kommunale Datenverarbeitung Oldenburg", "KDO"),
    ("Lecos GmbH", "Lecos"),
    ("Kommunale Informationsverarbeitung Sachsen", "KISA"),
    ("IT-Dienstleistungszentrum Berlin", "ITDZ"),
    ("Kommunales Rechenzentrum Minden-Ravensberg/Lippe", "krz"),
    ("Landesbetrieb Daten und Information Rheinland-Pfalz", "LDI"),
    ("Zweckverband Digitale Kommunen Brandenburg", "DIKOM"),
    ("Kommunaler IT-Verbund Mecklenburg-Vorpommern", "KITV"),
    ("Thüringer Landesrechenzentrum", "TLRZ"),
)

_PREFIXES = ("", "", "", "", "Ober", "Nieder", "Groß", "Klein", "Neu", "Alt", "Bad ", "Hohen", "Unter", "Mittel")
_STEMS = (
    "Linden", "Eichen", "Buchen", "Rosen", "Mühl", "Wald", "Stein", "Berg", "Tann", "Fichten", "Erlen", "Birken",
    "Hasel", "Weiden", "Kirch", "Burg", "Brunn", "Marien", "Sankt", "Wiesen", "Wolfs", "Falken", "Hirsch", "Reh",
    "Bären", "Fuchs", "Adler", "Schön", "Grün", "Rot", "Weiß", "Schwarz", "Helm", "Hilde", "Gunters", "Otters",
    "Ebers", "Frankens", "Sachsen", "Friedrichs", "Ludwigs", "Wilhelms", "Karls", "Heinrichs", "Konrads", "Elm",
    "Ahorn", "Holler", "Dorn", "Kalk", "Sand", "Moos", "Ried", "Hag", "Loh", "Hart", "Schaf", "Kuh", "Ross", "Gold",
)
_SUFFIXES = (
    "bach", "dorf", "hausen", "heim", "feld", "stadt", "burg", "berg", "ingen", "rode", "au", "hofen", "weiler",
    "kirchen", "tal", "hagen", "born", "brück", "furt", "stedt", "leben", "wald", "see", "beck",
)
_RIVERS = ("an der Saale", "am Main", "an der Donau", "an der Mosel", "am Rhein", "an der Elbe", "an der Weser")

FIRST_NAMES = (
    "Anna", "Paul", "Lena", "Jonas", "Marie", "Lukas", "Sophie", "Felix", "Laura", "Maximilian", "Julia", "Leon",
    "Hannah", "Tim", "Sarah", "Jan", "Lea", "Niklas", "Katharina", "David", "Johanna", "Tobias", "Lisa", "Simon",
    "Clara", "Philipp", "Emma", "Moritz", "Nina", "Florian", "Sabine", "Thomas", "Petra", "Michael", "Andrea",
    "Stefan", "Birgit", "Markus", "Claudia", "Andreas", "Susanne", "Frank", "Monika", "Jürgen", "Heike", "Uwe",
    "Karin", "Ralf", "Gabriele", "Dirk", "Fatma", "Mehmet", "Ayşe", "Ali", "Olga", "Dmitri", "Agnieszka", "Piotr",
    "Elif", "Yusuf",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser",
    "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich",
    "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht",
    "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein",
    "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Yılmaz", "Kaya", "Nowak", "Kowalski", "Öztürk",
)

# Subjects of project and working groups, decisions and agenda items (the OZG's fields and the usual suspects).
TOPICS = (
    "Digitale Baugenehmigung", "Wohngeld online", "Elterngeld digital", "Kfz-Zulassung", "Gewerbeanmeldung",
    "Melderegister", "Personenstandswesen", "Digitale Schule", "Hundesteuer", "Grundsteuer", "Fundsachen",
    "Bürgerkonto", "Servicekonto", "E-Rechnung", "E-Akte", "Open Data", "Geodateninfrastruktur",
    "Informationssicherheit", "Barrierefreiheit", "Registermodernisierung", "Onlinezugang", "Bezahldienste",
    "Terminvereinbarung", "Kita-Platzvergabe", "Sozialleistungen", "Einbürgerung", "Ausländerbehörde",
    "Führerscheinwesen", "Veranstaltungsgenehmigung", "Sondernutzung", "Abfallwirtschaft", "Friedhofswesen",
    "Standesamt", "Wahlen", "Katastrophenschutz", "Feuerwehr", "Schulträgerschaft", "Breitbandausbau",
    "Rechenzentrumskonsolidierung", "Cloud-Strategie", "Datenschutz", "Schnittstellenstandards", "XÖV-Standards",
    "Portalverbund", "Nutzerkonto Bund", "Digitale Souveränität", "Open Source", "Fachkräftegewinnung",
    "Prozessmanagement", "Qualifizierung", "Förderprogramm", "Haushaltsplanung", "Beschaffung",
)
# A decision's title word and what the body does: "Registermodernisierung: Einführung", "Die Projektgruppe
# beschließt die Einführung von Registermodernisierung."
DECISIONS = (
    ("Einführung", "beschließt die Einführung von"),
    ("Umsetzungskonzept", "stimmt dem Umsetzungskonzept zu für"),
    ("Bedarfsanalyse", "beauftragt die Geschäftsstelle mit einer Bedarfsanalyse zu"),
    ("Sachstandsbericht", "nimmt den Sachstandsbericht zur Kenntnis zu"),
    ("Finanzierung", "beschließt die Finanzierung von"),
    ("Nachnutzung", "empfiehlt den Kommunen die Nachnutzung von"),
    ("Unterarbeitsgruppe", "setzt eine Unterarbeitsgruppe ein zu"),
    ("Zeitplan", "billigt den Zeitplan für"),
)
ACTION_VERBS = (
    "Entwurf einer Stellungnahme erstellen zu",
    "Kostenschätzung vorlegen für",
    "Abstimmung mit den kommunalen Spitzenverbänden zu",
    "Vorlage für die nächste Sitzung vorbereiten zu",
    "Pilotkommunen benennen für",
    "Rückmeldung der Fachverfahrenshersteller einholen zu",
    "Informationsschreiben an die Kommunen versenden zu",
    "Ergebnisse dokumentieren zu",
)
ROOMS = ("Sitzungssaal", "Raum 1.12", "Raum 2.04", "Konferenzraum A", "Kleiner Saal", "Raum 0.21", "Plenarsaal")


class PlaceNames:
    """Unique, plausible place names (Oberlindenbach, Bad Rosenheim, Neufeld an der Mosel, ...)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def reserve(self, name: str) -> None:
        self._used.add(name)

    def new(self) -> str:
        for _attempt in range(50):
            prefix, stem, suffix = (self._rng.choice(part) for part in (_PREFIXES, _STEMS, _SUFFIXES))
            name = prefix + (stem.lower() if prefix and not prefix.endswith(" ") else stem) + suffix
            if self._rng.random() < 0.04:
                name += " " + self._rng.choice(_RIVERS)
            if name not in self._used:
                self._used.add(name)
                return name
        counter = 2
        while f"{name} {counter}" in self._used:
            counter += 1
        self._used.add(f"{name} {counter}")
        return f"{name} {counter}"


def ascii_slug(text: str) -> str:
    """Lower-case ASCII for mail addresses: ä -> ae, ß -> ss, accents dropped, anything else removed."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in text if char.isalnum() or char in ".-").strip(".-") or "x"
