"""Hinglish read into the English the engine understands, and English left alone."""

from __future__ import annotations

import pytest

from taskagent.agents.offline.hinglish import read_hinglish


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("kal tak electricity bill bharna hai, add kar do", "add: by tomorrow electricity bill bharna"),
        ("aaj shaam 6 baje gym jana hai, yaad dila dena", "remind me to today at 6pm gym jana"),
        ("parso tak passport photos lene hain, task bana do", "add: in 2 days passport photos lene"),
        ("car wash wala task urgent kar do yaar", "make car wash task urgent"),
        ("notes wale task ko delete kar do", "delete notes task ko"),
        ("kal ke liye kya pending hai?", "what do I have for tomorrow?"),
        ("sabse urgent kya hai mera?", "what is urgent?"),
        ("2 din mein report bhejni hai, add kar do", "add: in 2 days report bhejni"),
    ],
)
def test_hindi_words_of_meaning_are_read_in_english(said: str, read: str) -> None:
    assert read_hinglish(said) == read


@pytest.mark.parametrize(
    "text",
    [
        "buy a birthday card for Kal",  # one Hindi-looking word is a name, not Hinglish
        "call the Aur river tour company tomorrow",
        "add a task to book the hai tide boat trip",
        "what is on my list today?",
    ],
)
def test_english_is_left_alone(text: str) -> None:
    assert read_hinglish(text) == text
