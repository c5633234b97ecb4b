"""Markdown rendered safely: markdown-it turns it into HTML, nh3 keeps a small
safe subset (no script, no event handlers, only http/https/mailto links).

Bare addresses (https://…, www.…) become links (markdown-it's linkify, through
linkify-it-py), and an @username becomes a link to the person's page when the
caller says who may be named (``mentions``: the active members of the item's
group, resolved on the server); any other @word stays plain text."""
import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from .domain.reviews import MENTION_RE

def _parser(breaks=False):
    return (MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": breaks})
            .enable("table").enable("strikethrough").enable("linkify"))


_md = _parser()
# The same, with each line break kept (a notification's lines: "X asks for changes:" then the quote).
_md_breaks = _parser(breaks=True)


def _mention_tokens(text, people):
    """``text`` as text and link tokens, each @username of ``people`` a link."""
    out, last = [], 0
    for match in MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-")
        person = people.get(name.lower())
        if person is None:
            continue
        start, end = match.start(), match.start() + 1 + len(name)
        if start > last:
            out.append(_text(text[last:start]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"/people/{person['username']}", "class": "mention",
                      "title": person["display_name"]}
        out += [link, _text(text[start:end]), Token("link_close", "a", -1)]
        last = end
    if last < len(text):
        out.append(_text(text[last:]))
    return out


def _text(content):
    token = Token("text", "", 0)
    token.content = content
    return token


def _link_mentions(state):
    """A core rule: @username in text (not inside a link or code) → a link to the person."""
    people = (state.env or {}).get("mentions") or {}
    if not people:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, depth = [], 0
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type == "text" and depth == 0 and "@" in token.content:
                children += _mention_tokens(token.content, people)
            else:
                children.append(token)
        block.children = children


_md.core.ruler.push("mentions", _link_mentions)
_md_breaks.core.ruler.push("mentions", _link_mentions)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}


def render(text: str, mentions: dict | None = None, *, breaks: bool = False) -> Markup:
    """Safe HTML for ``text``. ``mentions``: lower-cased username → ``{"username",
    "display_name"}`` of the people an @mention may link to (none by default);
    ``breaks``: every line break is a <br>."""
    html = (_md_breaks if breaks else _md).render(text or "", {"mentions": mentions or {}})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        tag_attribute_values={"a": {"class": {"mention"}}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def plain_text(text: str) -> str:
    """Markdown as readable plain text, for the text part of an e-mail: emphasis,
    code and heading markers dropped, links as "words (address)", list items with
    "•" or their number, quotes and code indented. Raw HTML stays as written text."""
    lines: list[str] = []
    lists: list = []  # per open list: None (bullets) or the next number
    quote = 0
    marker = None

    def blank():
        if lines and lines[-1] != "":
            lines.append("")

    def emit(block):
        nonlocal marker
        indent = "    " * quote + "   " * max(0, len(lists) - 1)
        for n, line in enumerate(block.split("\n")):
            if n == 0 and marker:
                lines.append(indent + marker + line)
                marker = None
            else:
                lines.append(indent + ("   " if lists else "") + line)

    for token in _md.parse(text or ""):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append(None)
        elif kind == "ordered_list_open":
            lists.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                blank()
        elif kind == "list_item_open":
            if lists[-1] is None:
                marker = "• "
            else:
                marker = f"{lists[-1]}. "
                lists[-1] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
            blank()
        elif kind == "inline":
            emit(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
            emit("\n".join("    " + line for line in token.content.rstrip("\n").split("\n")))
            blank()
        elif kind == "hr":
            emit("")
        elif kind in ("paragraph_close", "heading_close") and not token.hidden:
            blank()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def _inline_text(children) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "text_special", "html_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            links.append((child.attrGet("href") or "", len(out)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            words = "".join(out[start:])
            if href and href != words and href.removeprefix("mailto:") != words:
                out.append(f" ({href})")
        elif kind == "image":
            out.append(child.content or "")
    return "".join(out)
