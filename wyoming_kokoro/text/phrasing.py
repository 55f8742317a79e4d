"""Where a short segment may end, per language: the words that lean on the next word or on the
word before.

The segmenter ends its first two segments after a few words; a segment that ends on an article,
a preposition or an auxiliary is read with a falling tone and a pause in the middle of a phrase
("J'ai allumé les lumières de la | cuisine."). Each language lists the words a short segment
should not end on (:attr:`Phrasing.ends_badly`) and the words that should not start the next
one because they belong to the word before (:attr:`Phrasing.starts_badly`: Hindi postpositions
and auxiliaries follow what they belong to: "जला दी | हैं").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Phrasing", "phrasing_for"]


@dataclass(frozen=True)
class Phrasing:
    """One language's words for the segmenter's short cuts (lower case)."""

    ends_badly: frozenset[str]
    starts_badly: frozenset[str] = frozenset()
    abbreviations: frozenset[str] = frozenset()
    """Words whose full stop is not a sentence end ("Sr.", "Sra.", "Dott.")."""
    spaced_marks: bool = False
    """Whether ``? ! : ;`` follow a space (French), so a word cut must see what comes next."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPANISH = Phrasing(
    ends_badly=_words(
        "el la los las un una unos unas lo al del de a en con por para sin sobre entre hasta "
        "desde hacia según y e o u ni pero que si mi tu su mis tus sus nuestro nuestra "
        "nuestros nuestras este esta estos estas ese esa esos esas aquel aquella he has ha "
        "hemos han había habían es son está están era fue ser estar se me te le les nos os "
        "muy más no como cuando donde cuyo cuya"
    ),
    abbreviations=_words("sra srta dra ud uds lic ing av pág núm tel aprox"),
)
_FRENCH = Phrasing(
    ends_badly=_words(
        "le la les l' un une des du de d' au aux à en dans sur sous avec pour par sans chez "
        "vers entre et ou mais que qu' qui si mon ma mes ton ta tes son sa ses notre nos votre "
        "vos leur leurs ce cet cette ces je j' tu il elle on nous vous ils elles ai as a avons "
        "avez ont suis es est sommes êtes sont été ne n' se s' me m' te t' y très plus j'ai "
        "c'est n'est il y a d'un d'une l'on s'il qu'il qu'elle"
    ),
    abbreviations=_words("mme mlle mm me pr dr st ste env tél av bd"),
    spaced_marks=True,
)
_ITALIAN = Phrasing(
    ends_badly=_words(
        "il lo la i gli le l' un uno una un' di a da in con su per tra fra del dello della "
        "dei degli delle al allo alla ai agli alle dal dallo dalla dai nel nello nella nei "
        "negli nelle sul sullo sulla sui e ed o ma che se mio mia miei mie tuo tua suo sua "
        "nostro nostra vostro vostra questo questa questi queste quel quella quei ho hai ha "
        "abbiamo avete hanno sono sei è siamo siete stato stata non mi ti si ci vi ne molto "
        "più come quando dove"
    ),
    abbreviations=_words("sig sigg dott ing avv prof geom rag ecc tel pag"),
)
_PORTUGUESE = Phrasing(
    ends_badly=_words(
        "o a os as um uma uns umas de do da dos das em no na nos nas num numa ao à aos às por "
        "pelo pela pelos pelas para pra com sem sobre entre até e ou nem mas que se meu minha "
        "meus minhas seu sua seus suas teu tua nosso nossa este esta estes estas esse essa "
        "esses essas aquele aquela eu ele ela nós eles elas tenho tem temos têm tinha é são "
        "está estão era foi vai vou ser estar não me te lhe muito mais como quando onde"
    ),
    abbreviations=_words("sra srta dra av pág tel"),
)
_HINDI = Phrasing(
    ends_badly=_words(
        "का के की और या कि लेकिन पर मगर तो मेरा मेरी मेरे तेरा तेरी तेरे आपका आपकी आपके उसका "
        "उसकी उसके हमारा हमारी हमारे यह वह इस उस इन उन एक बहुत सबसे बिना"
    ),
    starts_badly=_words(
        "है हैं था थे थी थीं हूँ हूं हो गया गई गए गयी दी दिया दिए दीं रहा रही रहे सकता सकती "
        "सकते चुका चुकी चुके लिया ली लिए लीं जाएगा जाएगी जाएँगे जाएंगे में से को ने पर तक "
        "का के की वाला वाली वाले भी ही"
    ),
)

_BY_LANGUAGE = {
    "es": _SPANISH,
    "fr-fr": _FRENCH,
    "it": _ITALIAN,
    "pt-br": _PORTUGUESE,
    "hi": _HINDI,
}


def phrasing_for(language: str) -> Phrasing | None:
    """The phrasing rules of ``language`` (an espeak code), None for English and languages
    written without spaces (Japanese and Chinese are cut at their marks only)."""
    return _BY_LANGUAGE.get(language)
