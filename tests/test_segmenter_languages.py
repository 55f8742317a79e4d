"""The segmenter in every language: short cuts at natural boundaries, and piece boundaries never
matter (the same guarantees as in English, checked the same exhaustive way)."""

from __future__ import annotations

import itertools
import random

import pytest

from wyoming_kokoro.text import Segment, Segmenter, SegmenterConfig
from wyoming_kokoro.text.phrasing import phrasing_for
from wyoming_kokoro.text.verbalize import verbalize

from .test_text_segmenter import CONFIGS, key, random_pieces

#: Assistant replies, each with forms to verbalize, long enough for word cuts.
REPLIES = {
    "es": (
        "Claro, he encendido las luces de la cocina y del salón, y el termostato está a 21,5 °C. "
        "¿Quieres que baje las persianas del dormitorio principal ahora? ¡Hecho! "
        "Mañana lloverá por la tarde, así que lleva un paraguas; la reunión es a las 15:30."
    ),
    "fr-fr": (
        "J'ai allumé les lumières de la cuisine et du salon, et le chauffage est à 21,5 °C. "
        "Voulez-vous que je ferme les volets de la chambre maintenant ? C'est fait ! "
        "Demain il pleuvra dans l'après-midi : prenez un parapluie ; la réunion est à 15h30."
    ),
    "it": (
        "Certo, ho acceso le luci della cucina e del soggiorno, e il termostato è a 21,5 °C. "
        "Vuoi che abbassi le tapparelle della camera da letto adesso? Fatto! "
        "Domani pioverà nel pomeriggio, quindi prendi un ombrello; la riunione è alle 15:30."
    ),
    "pt-br": (
        "Claro, eu acendi as luzes da cozinha e da sala de estar, e o termostato está em 21,5 °C. "
        "Você quer que eu feche as cortinas do quarto agora? Pronto! "
        "Amanhã vai chover à tarde, então leve um guarda-chuva; a reunião é às 15h30."
    ),
    "hi": (
        "ठीक है, मैंने रसोई की सभी बत्तियाँ जला दी हैं और थर्मोस्टैट 21.5 °C पर है। "
        "क्या आप चाहते हैं कि मैं शयनकक्ष के पर्दे अभी बंद कर दूँ? हो गया! "
        "कल दोपहर में बारिश होगी, इसलिए छाता ले जाइए; मीटिंग 3:30 पर है।"
    ),
    "ja": (
        "はい、台所と居間の電気をつけました。温度は21.5°Cに設定しました。"
        "寝室のカーテンを閉めましょうか？完了しました！明日の午後は雨が降るので、傘を持って行ってください。"
    ),
    "cmn": (
        "好的，我已经打开了厨房和客厅的灯，温度设置为21.5°C。"
        "要我现在关上卧室的窗帘吗？好了！明天下午会下雨，所以请带上雨伞，会议在15:30。"
    ),
}
#: A short segment cut by words where English rules would end it on an article or auxiliary.
NATURAL_FIRST_CUTS = [
    (
        "fr-fr",
        "J'ai allumé les lumières de la cuisine. La porte est fermée.",
        ["J'ai allumé les lumières de la cuisine.", "La porte est fermée."],
    ),
    (
        "hi",
        "मैंने रसोई की बत्तियाँ जला दी हैं। दरवाज़ा बंद है।",
        ["मैंने रसोई की बत्तियाँ जला दी हैं।", "दरवाज़ा बंद है।"],
    ),
    (
        "es",
        "He encendido todas las luces de la cocina y del salón.",
        ["He encendido todas las luces de la cocina", "y del salón."],
    ),
    (
        "it",
        "Ho acceso tutte le luci della cucina e del soggiorno.",
        ["Ho acceso tutte le luci della cucina", "e del soggiorno."],
    ),
    (
        "pt-br",
        "Eu acendi todas as luzes da cozinha e da sala.",
        ["Eu acendi todas as luzes da cozinha", "e da sala."],
    ),
    (
        "fr-fr",
        "Bonjour à vous tous mes amis ! Comment ça va aujourd’hui ?",
        ["Bonjour à vous tous mes amis !", "Comment ça va aujourd’hui ?"],
    ),
    (
        "es",
        "Claro. ¿Quieres que encienda las luces de la cocina ahora mismo? Sí.",
        ["Claro.", "¿Quieres que encienda las luces de la cocina ahora mismo?", "Sí."],
    ),
    (
        "ja",
        "今日はいい天気ですね、明日は雨です。気温は21.5度です。",
        ["今日はいい天気ですね、", "明日は雨です。気温は21.5度です。"],
    ),
    (
        "cmn",
        "我已经打开了厨房的灯，客厅的灯也开了。明天会下雨。",
        ["我已经打开了厨房的灯，", "客厅的灯也开了。明天会下雨。"],
    ),
]


def run(pieces: list[str], language: str, config: SegmenterConfig | None = None) -> list[Segment]:
    segmenter = Segmenter(config, language=language)
    out: list[Segment] = []
    for piece in pieces:
        out += segmenter.push(piece)
    return out + segmenter.finish()


def texts(text: str, language: str) -> list[str]:
    return [segment.text for segment in run([text], language)]


@pytest.mark.parametrize(("language", "text", "expected"), NATURAL_FIRST_CUTS)
def test_short_cuts_end_at_a_natural_boundary(
    language: str, text: str, expected: list[str]
) -> None:
    assert texts(text, language) == expected


def test_english_rules_would_cut_these_phrases_mid_way() -> None:
    """The cases above are not cut well by the English word lists: the language matters."""
    french, hindi = NATURAL_FIRST_CUTS[0][1], NATURAL_FIRST_CUTS[1][1]
    assert texts(french, "en-us")[0] == "J'ai allumé les lumières de la"
    assert texts(hindi, "en-us")[0] == "मैंने रसोई की बत्तियाँ जला दी"


@pytest.mark.parametrize("language", ["es", "fr-fr", "it", "pt-br", "hi"])
def test_no_word_cut_ends_on_a_leaning_word_wherever_the_reply_starts(language: str) -> None:
    """Every suffix of the reply (a new reply starting at each word): no short segment cut
    by words ends on an article, preposition or auxiliary, nor leaves the next segment
    starting with a postposition, an auxiliary or a mark that belongs to the word before."""
    phrasing = phrasing_for(language)
    assert phrasing is not None
    words = REPLIES[language].split()
    word_cuts = 0
    for start in range(len(words)):
        segments = run([" ".join(words[start:])], language)
        for segment, following in itertools.pairwise(segments):
            if segment.ends_sentence or segment.index > 1:
                continue
            last = segment.text.split()[-1].strip(".,;:!?…¿¡«»\"'").lower()
            first = following.text.split()[0]
            if segment.text[-1] in ",;:—–-":  # a clause cut: the mark ends the phrase
                continue
            assert last not in phrasing.ends_badly, (start, segment.text)
            assert first.strip("।,.!?").lower() not in phrasing.starts_badly, (start, first)
            assert first[0] not in "?!:;»", (start, following.text)
            word_cuts += 1
    assert word_cuts >= 3


def test_no_short_cut_inside_a_spanish_question() -> None:
    """The closing mark gives a question its tone: no cut before it, however long."""
    text = "Vale. ¿Quieres que encienda las luces de la cocina, del salón y del pasillo? Sí."
    assert texts(text, "es") == [
        "Vale.",
        "¿Quieres que encienda las luces de la cocina, del salón y del pasillo?",
        "Sí.",
    ]


@pytest.mark.parametrize("language", list(REPLIES))
@pytest.mark.parametrize("config", CONFIGS)
def test_every_split_in_two_gives_the_same_segments(language: str, config: SegmenterConfig) -> None:
    text = REPLIES[language]
    whole = key(run([text], language, config))
    assert whole
    for cut in range(1, len(text)):
        assert key(run([text[:cut], text[cut:]], language, config)) == whole, cut


@pytest.mark.parametrize("language", list(REPLIES))
@pytest.mark.parametrize("config", CONFIGS)
def test_char_by_char_and_token_splits_give_the_same_segments(
    language: str, config: SegmenterConfig
) -> None:
    text = REPLIES[language]
    whole = key(run([text], language, config))
    assert key(run(list(text), language, config)) == whole
    rng = random.Random(language)
    for _ in range(30):
        assert key(run(random_pieces(text, rng), language, config)) == whole


@pytest.mark.parametrize("language", list(REPLIES))
def test_random_texts_split_anywhere_give_the_same_segments(language: str) -> None:
    rng = random.Random(language)
    pieces = [*REPLIES[language].split(" "), " ", "¿", "¡", " ?", " !", " :", "\n", "。", "、"]
    for trial in range(150):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        config = CONFIGS[trial % len(CONFIGS)]
        whole = key(run([text], language, config))
        assert key(run(random_pieces(text, rng), language, config)) == whole, text
        assert key(run(list(text), language, config)) == whole, text
        assert all(0 < len(t) <= config.max_chars for t, _, _ in whole)


@pytest.mark.parametrize("language", list(REPLIES))
def test_segments_verbalize_as_the_whole_text_does(language: str) -> None:
    """Wherever the segmenter cuts a reply, the segments say what the whole reply says."""
    words = REPLIES[language].split(" ")
    joiner = "" if language in ("ja", "cmn") else " "
    for start in range(len(words)):
        text = " ".join(words[start:])
        segments = [segment.text for segment in run([text], language)]
        pieces = joiner.join(verbalize(segment, language) for segment in segments)
        assert pieces == verbalize(joiner.join(segments), language), (text, segments)
