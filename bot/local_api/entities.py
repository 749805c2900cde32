"""Telegram's text rules: the HTML parse mode, message entities and the limits on text.

The HTML parser follows the one in Telegram's server library (tdlib `parse_html`): only the tags
Telegram supports, a start tag must be closed by the matching end tag, the named entities `&lt;`
`&gt;` `&amp;` `&quot;` and numeric ones are decoded, and a `&` that starts no entity stays as it is.
Errors carry Telegram's wording and the UTF-8 byte offset, as the Bot API reports them.
Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

import html
import re
from dataclasses import dataclass

MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64

#: Tag -> entity type. `span` and `a` need an attribute, checked below.
TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's description."""


@dataclass(slots=True)
class _Open:
    tag: str
    start16: int
    attributes: dict[str, str]


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Telegram HTML -> (plain text, entities). Raises EntityParseError as the Bot API would."""
    out: list[str] = []
    entities: list[dict] = []
    stack: list[_Open] = []
    pos16 = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _ENTITY.match(text, i)
            if match:
                decoded = _decode_entity(match.group(1))
                out.append(decoded)
                pos16 += utf16_length(decoded)
                i = match.end()
                continue
        if char != "<":
            out.append(char)
            pos16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        name_end = i + 1
        while name_end < len(text) and not text[name_end].isspace() and text[name_end] != ">":
            name_end += 1
        closing = text.startswith("</", i)
        end = text.find(">", name_end)
        if name_end >= len(text) or (closing and end < 0):
            kind = "end" if closing else "start"
            raise EntityParseError(f"Unclosed {kind} tag at byte offset {_byte_offset(text, begin)}")
        if closing:
            name = text[i + 2 : end].strip().lower()
            i = end + 1
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            if name and name != stack[-1].tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{stack[-1].tag}>", found "</{name}>"'
                )
            opened = stack.pop()
            entity = _entity(opened, pos16)
            if entity:
                entities.append(entity)
            continue
        name = text[i + 1 : name_end].lower()
        if name not in TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        if end < 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        stack.append(_Open(name, pos16, _attributes(name, text[name_end:end], _byte_offset(text, begin))))
        i = end + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _decode_entity(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    code_point = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
    return chr(code_point) if 0 < code_point <= 0x10FFFF else "\ufffd"


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _attributes(tag: str, rest: str, offset: int) -> dict[str, str]:
    attributes = {}
    for match in _ATTRIBUTE.finditer(rest):
        value = match.group(2) or ""
        attributes[match.group(1).lower()] = html.unescape(value.strip("\"'"))
    if tag == "a" and "href" not in attributes:
        raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {offset}')
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    return attributes


def _entity(opened: _Open, end16: int) -> dict | None:
    length = end16 - opened.start16
    if length <= 0:
        return None
    entity = {"type": TAGS[opened.tag], "offset": opened.start16, "length": length}
    if opened.tag == "a":
        entity["url"] = opened.attributes["href"]
    if opened.tag == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    if opened.tag == "pre" and opened.attributes.get("class", "").startswith("language-"):
        entity["language"] = opened.attributes["class"].removeprefix("language-")
    if opened.tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
    return entity


def formatted_text(text: str, parse_mode: str | None, limit: int = MAX_TEXT) -> tuple[str, list[dict]]:
    """The text a message would carry, checked like sendMessage checks it (errors without the prefix)."""
    if parse_mode is not None and parse_mode.lower() == "html":
        plain, entities = parse_html(text)
    elif parse_mode:
        raise EntityParseError(f"unsupported parse_mode {parse_mode!r} (the local server knows HTML only)")
    else:
        plain, entities = text, []
    if not plain.strip():
        raise ValueError("message text is empty")
    if len(plain) > limit:
        raise ValueError("message is too long")
    return plain, entities


def user_entities(text: str) -> list[dict]:
    """Entities a Telegram client attaches to what a user types: bot commands and @mentions."""
    entities = []
    for pattern, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention")):
        for match in pattern.finditer(text):
            if kind == "bot_command" and match.start() and not text[match.start() - 1].isspace():
                continue
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_length(text[: match.start()]),
                    "length": utf16_length(match.group()),
                }
            )
    return sorted(entities, key=lambda e: e["offset"])
