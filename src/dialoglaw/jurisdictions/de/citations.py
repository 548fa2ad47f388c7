"""German statutes and the court decisions the German rules rely on.

Decisions are those verified in the legal notes (docket, date, holding); the notes list
dockets that could not be verified (I ZR 218/19, I ZR 38/10), which are not cited.
"""

from __future__ import annotations

from dialoglaw.citations import Act, Citation, Court

__all__ = [
    "BGH_AUTOREPLY",
    "BGH_DOI",
    "BGH_FEEDBACK",
    "BGH_FREE_PAPER",
    "BGH_LAPSE",
    "BGH_LEAFLET",
    "BGH_PARTNERS",
    "BGH_PAYBACK",
    "BGH_PRESUMED",
    "BGH_PRESUMED_OWN_SERVICES",
    "BGH_SPONSORS",
    "BGH_SUBSCRIPTION_ENTRY",
    "LG_LUENEBURG",
    "LG_NUERNBERG_SALE",
    "OLG_FRANKFURT_HOUSEHOLD",
    "OLG_FRANKFURT_TIED",
    "OLG_HAMM_MESSENGER",
    "OLG_HAMM_POSTAL",
    "bdsg_old",
    "bgb",
    "uwg",
]


def uwg(
    section: str | int,
    paragraph: int | None = None,
    *,
    number: int | None = None,
    letter: str | None = None,
    sentence: int | None = None,
) -> Citation:
    return Citation.statute(Act.UWG, section, paragraph, number=number, letter=letter, sentence=sentence)


def bdsg_old(section: int, paragraph: int, *, sentence: int | None = None) -> Citation:
    """A provision of the BDSG in its version before 25 May 2018 (a.F.)."""
    return Citation.statute(Act.BDSG, section, paragraph, sentence=sentence, former=True)


def bgb(section: int, paragraph: int | None = None) -> Citation:
    return Citation.statute(Act.BGB, section, paragraph)


BGH_DOI = Citation.decision(Court.BGH, "10.02.2011", "I ZR 164/09", name="Double-opt-in-Verfahren")
BGH_PAYBACK = Citation.decision(Court.BGH, "16.07.2008", "VIII ZR 348/06", name="Payback")
BGH_SPONSORS = Citation.decision(Court.BGH, "28.05.2020", "I ZR 7/16", name="Cookie-Einwilligung II")
BGH_FEEDBACK = Citation.decision(Court.BGH, "10.07.2018", "VI ZR 225/17")
BGH_AUTOREPLY = Citation.decision(Court.BGH, "15.12.2015", "VI ZR 134/15")
BGH_LAPSE = Citation.decision(Court.BGH, "01.02.2018", "III ZR 196/17")
BGH_PARTNERS = Citation.decision(
    Court.BGH, "25.10.2012", "I ZR 169/10", name="Einwilligung in Werbeanrufe II"
)
BGH_PRESUMED = Citation.decision(Court.BGH, "20.09.2007", "I ZR 88/05", name="Suchmaschineneintrag")
BGH_SUBSCRIPTION_ENTRY = Citation.decision(
    Court.BGH, "05.02.2004", "I ZR 87/02", name="Telefonwerbung für Zusatzeintrag"
)
BGH_PRESUMED_OWN_SERVICES = Citation.decision(Court.BGH, "16.11.2006", "I ZR 191/03")
BGH_LEAFLET = Citation.decision(Court.BGH, "20.12.1988", "VI ZR 182/88")
BGH_FREE_PAPER = Citation.decision(Court.BGH, "16.05.2012", "I ZR 158/11")
LG_LUENEBURG = Citation.decision(Court.LG, "30.09.2011", "4 S 44/11", seat="Lüneburg", name="Einkauf Aktuell")
LG_NUERNBERG_SALE = Citation.decision(Court.LG, "21.09.2022", "4 HK O 655/21", seat="Nürnberg-Fürth")
OLG_HAMM_POSTAL = Citation.decision(Court.OLG, "11.04.2013", "9 W 23/13", seat="Hamm")
OLG_HAMM_MESSENGER = Citation.decision(Court.OLG, "03.05.2023", "18 U 154/22", seat="Hamm")
OLG_FRANKFURT_TIED = Citation.decision(Court.OLG, "27.06.2019", "6 U 6/19", seat="Frankfurt am Main")
OLG_FRANKFURT_HOUSEHOLD = Citation.decision(Court.OLG, "22.05.2012", "14 U 64/11", seat="Frankfurt am Main")
