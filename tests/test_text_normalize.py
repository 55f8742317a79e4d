"""clean_for_speech: markdown, URLs and emoji become plain speakable text."""

from __future__ import annotations

import pytest

from wyoming_kokoro.text import clean_for_speech


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # emphasis, but not identifiers or arithmetic
        ("This is **bold** and *italic*.", "This is bold and italic."),
        ("This is __bold__ and _italic_.", "This is bold and italic."),
        ("A ***strong*** word.", "A strong word."),
        ("~~old~~ new", "old new"),
        ("Call snake_case_name now.", "Call snake_case_name now."),
        ("Compute 2*3 and 2 * 3.", "Compute 2*3 and 2 * 3."),
        # a segment cut inside an emphasised span keeps no stray marker
        ("**The first sentence.", "The first sentence."),
        ("The second one.**", "The second one."),
        ("*half", "half"),
        ("_half", "half"),
        # block markup
        ("# Title", "Title"),
        ("### Title ###", "Title"),
        ("#hashtag stays", "#hashtag stays"),
        ("- an item", "an item"),
        ("* an item", "an item"),
        ("+ an item", "an item"),
        ("  1. first item", "first item"),
        ("2) second item", "second item"),
        ("- [x] done task", "done task"),
        ("> quoted text", "quoted text"),
        ("> > nested quote", "nested quote"),
        ("Intro\n- one\n- two", "Intro one two"),
        ("---", ""),
        ("* * *", ""),
        ("| Room | State |", "Room State"),
        ("|---|:---:|", ""),
        ("| a | b |\n| --- | --- |\n| 1 | 2 |", "a b 1 2"),
        # code
        ("Use `foo_bar*baz` here.", "Use foo_bar*baz here."),
        ("Run ``a `b` c`` now.", "Run a b c now."),
        ("A lone ` backtick", "A lone backtick"),
        # links and images
        ("See [the docs](https://docs.example.com/a_(b)) now.", "See the docs now."),
        ('See [the docs](https://x.org "Title").', "See the docs."),
        ("![a cat](cat.png) sleeps.", "a cat sleeps."),
        ("See [the docs][1] now.", "See the docs now."),
        ("[1]: https://example.com", ""),
        ("A claim.[^1]", "A claim."),
        # URLs: the host only; e-mail addresses as written
        ("Visit https://www.example.com/path?x=1&y=2 now.", "Visit example.com now."),
        ("Visit https://example.com/path.", "Visit example.com."),
        ("(https://example.com/a), then", "(example.com), then"),
        ("Open <https://sub.example.org/x>.", "Open sub.example.org."),
        ("Open www.example.net/page today.", "Open example.net today."),
        ("Visit example.com today.", "Visit example.com today."),
        ("Mail john.doe@example.com please.", "Mail john.doe@example.com please."),
        (
            "Mail <john@example.com> or mailto:ann@example.com.",
            "Mail john@example.com or ann@example.com.",
        ),
        # HTML and escapes
        ("one<br>two <b>three</b>", "one two three"),
        (r"Not \*emphasis\* and 5 \* 3", "Not *emphasis* and 5 * 3"),
        # emoji go, symbols and scripts stay
        ("Great job 🎉!", "Great job!"),
        ("Great🎉job", "Great job"),
        ("Family 👨\u200d👩\u200d👧 and 👍🏽 thumbs", "Family and thumbs"),
        ("Flag 🇫🇷 here", "Flag here"),
        ("Press 1️⃣ now ✅ ⭐ ❤️", "Press 1 now"),
        ("It is 20°C, © 2024, ½ cup.", "It is 20°C, © 2024, ½ cup."),
        ("Café, déjà vu, naïve, œuvre — voilà !", "Café, déjà vu, naïve, œuvre — voilà !"),
        ("こんにちは、世界。今日は「晴れ」です！", "こんにちは、世界。今日は「晴れ」です！"),
        ("你好，世界。", "你好，世界。"),
        ("नमस्ते दुनिया। क्‍या हाल है?", "नमस्ते दुनिया। क्‍या हाल है?"),
        ("Привет, мир!", "Привет, мир!"),
        # whitespace and nothing-to-say
        ("  many \t spaces\n\nand lines  ", "many spaces and lines"),
        ("", ""),
        ("   ", ""),
        ("🎉🎉", ""),
        ("...", ""),
        ("** — **", ""),
        ("`", ""),
        ("a\x00b\x07c", "abc"),
    ],
)
def test_clean_for_speech(text: str, expected: str) -> None:
    assert clean_for_speech(text) == expected


def test_a_whole_markdown_reply() -> None:
    reply = (
        "## Your home\n\n"
        "**Lights:** the *kitchen* lights are on 💡.\n"
        "- Thermostat: `21 °C`\n"
        "- Door: locked ([details](https://home.example.com/door?id=3))\n\n"
        "> Tip: see https://www.example.com/help.\n"
    )
    assert clean_for_speech(reply) == (
        "Your home Lights: the kitchen lights are on. Thermostat: 21 °C "
        "Door: locked (details) Tip: see example.com."
    )
