"""``text.strip_invalid_xml`` against XML 1.0 §2.2 written out character by character.

The function splits the work by plane for speed (ASCII, the BMP, astral text);
this predicate is the rule itself, so any text, however mixed, must come out
the same both ways.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate import text


def allowed(character: str) -> bool:
    """XML 1.0 ``Char``, less the C1 controls and the noncharacters U+nFFFE/U+nFFFF."""
    code = ord(character)
    if code in (0x9, 0xA, 0xD):
        return True
    if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
        return False
    return code & 0xFFFE != 0xFFFE


AWKWARD = st.sampled_from(
    ["\x00", "\x0b", "\x7f", "\x85", "\ud800", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff",
     "\U0001f600", "é", "\t", "\r"]
)  # fmt: skip


@settings(max_examples=2000)
@given(st.text(alphabet=st.one_of(st.characters(), AWKWARD)))
def test_strip_invalid_xml_is_the_character_rule(value: str) -> None:
    expected = "".join(c for c in value if allowed(c))
    assert text.strip_invalid_xml(value) == (expected, len(value) - len(expected))


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_text_takes_the_same_rule(value: str) -> None:
    expected = "".join(c for c in value if allowed(c))
    assert text.strip_invalid_xml(value) == (expected, len(value) - len(expected))


def _folded_reference(title: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKC", title).casefold()
    chars = [" " if unicodedata.category(c)[0] in "PZC" else c for c in folded]
    return " ".join("".join(chars).split())


@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F))))
def test_normalise_title_takes_one_rule_for_ascii_and_the_rest(title: str) -> None:
    """The ASCII table and the per-character categories fold every title alike."""
    assert text.normalise_title(title) == _folded_reference(title)
