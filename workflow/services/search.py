"""Search across the groups a person may see: items by title, summary, body, audience,
labels and comments, in French (stems, accents folded), ranked, with the matching
words marked in safe HTML.

One module hides the two engines (``models.search``):

- PostgreSQL: ``search_documents.document``, a weighted ``tsvector`` made with the
  ``french`` configuration over ``unaccent``; queries go through ``to_tsquery`` and
  ``ts_rank`` (title A, labels B, summary/body/audience C, comments D).
- SQLite: the FTS5 table ``search_fts`` (``unicode61 remove_diacritics 2``), fed with
  French Snowball stems made here (``snowballstemmer``) and queried with the stems of
  the query's words; ranked by ``bm25`` with the same order of weights.

Both take the last word of the query as a prefix, so results come while typing.

The index is kept in step by the unit of work: ``on_events`` is a before-commit handler
of the message bus (``services.handlers``) on every event that changes an item's words
(created, edited — labels included —, commented, purged; a label renamed or deleted),
so the index rows commit with the change or not at all. Visibility, state and trash
are read from ``items`` when searching. ``reindex_all`` rebuilds everything
(``flask relais reindex``, after an import or the migration)."""
import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import column, delete, func, literal_column, select, table, text
from sqlalchemy.orm import joinedload

from ..domain import events as ev
from ..domain import states as st
from ..extensions import db
from ..models import Comment, Item, Label, Membership, item_labels
from ..models.search import FTS_TABLE, SearchDocument
from .common import require_user, sees_every_group
from .queries import get_group, item_load_options

# Event types after which an item's words may differ.
INDEXED_TYPES = (ev.ITEM_CREATED, ev.ITEM_UPDATED, ev.ITEM_PURGED, ev.COMMENT_CREATED,
                 ev.LABEL_UPDATED, ev.LABEL_DELETED)
MAX_TERMS = 12
MAX_LIMIT = 50
BATCH = 500
SNIPPET_CHARS = 180
# bm25 weights of search_fts's columns (title, labels, content, comments).
BM25_WEIGHTS = (10.0, 5.0, 2.0, 1.0)

WORD = re.compile(r"[^\W_]+")
# Letters NFKD does not split, folded as PostgreSQL's unaccent folds them.
# (Escapes, not the letters: the code's literals stay English, tests/unit/test_source_language.py.)
LIGATURES = str.maketrans({"\u0153": "oe", "\u0152": "OE", "\u00e6": "ae", "\u00c6": "AE", "\u00df": "ss",
                           "\u00f8": "o", "\u00d8": "O", "\u0111": "d", "\u0142": "l", "\u0141": "L"})
MARKDOWN_MARKS = re.compile(r"[#*_>`~\[\]]+|\(https?://[^)\s]*\)")


def _dialect():
    return db.session.get_bind().dialect.name


# --- words ---------------------------------------------------------------------

def fold(word):
    """``word`` in lower case without accents (« Bibliothèques » → « bibliotheques »)."""
    decomposed = unicodedata.normalize("NFKD", word.translate(LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def stem(folded):
    """The French Snowball stem of a folded word (« bibliotheques » → « bibliothequ »)."""
    return _stemmer.stemWord(folded)


def words(value):
    return WORD.findall(value or "")


def stems_text(value):
    """``value`` as SQLite's index holds it: the stems of its folded words."""
    return " ".join(stem(fold(w)) for w in words(value))


class Query:
    """A person's query: its folded words (at most MAX_TERMS), the last one a prefix."""

    def __init__(self, raw):
        self.terms = [fold(w) for w in words(raw)][:MAX_TERMS]
        self.stems = [stem(t) for t in self.terms]
        self._seen = {}  # word of a text → whether it matches (texts repeat their words)

    def __bool__(self):
        return bool(self.terms)

    def fts5(self):
        """The FTS5 MATCH expression: every stem, the last as a prefix."""
        parts = [f'"{s}"' for s in self.stems]
        parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self):
        """The text for ``to_tsquery('french', …)`` (folded words): every word, the last as a prefix."""
        parts = [f"'{t}'" for t in self.terms]
        parts[-1] += ":*"
        return " & ".join(parts)

    def matches(self, word):
        """Whether a word of a text is one the query asks for (same stem, or starts as the last word)."""
        known = self._seen.get(word)
        if known is None:
            folded = fold(word)
            stemmed = stem(folded)
            known = self._seen[word] = (stemmed in self.stems or folded.startswith(self.terms[-1])
                                        or stemmed.startswith(self.stems[-1]))
        return known


# --- highlighting ----------------------------------------------------------------

def highlight(value, query, *, window=None):
    """``value`` as safe HTML: every character escaped, the words ``query`` matches in
    ``<mark>``. With ``window`` (characters), only a passage around the first match,
    with « … » where it was cut. Returns (Markup, whether anything matched)."""
    value = value or ""
    spans = [m.span() for m in WORD.finditer(value) if query.matches(m.group())]
    start, end = 0, len(value)
    if window and spans and len(value) > window:
        first = spans[0][0]
        start = max(0, first - window // 3)
        if start:
            space = value.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
        end = min(len(value), start + window)
        if end < len(value):
            space = value.find(" ", end)
            end = space if space != -1 and space - end < 20 else end
    elif window and len(value) > window:
        end = window
    out, at = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(value[at:a]))
        out.append(Markup("<mark>") + escape(value[a:b]) + Markup("</mark>"))
        at = b
    out.append(escape(value[at:end]))
    html = Markup("").join(out)
    if start > 0:
        html = Markup("…") + html
    if end < len(value):
        html = html + Markup("…")
    return html, bool(spans)


def _plain(markdown):
    """A Markdown body as plain words for a snippet (no #, *, links' addresses)."""
    return " ".join(MARKDOWN_MARKS.sub(" ", markdown or "").split())


def snippet(fields, query):
    """The passage that shows why an item matched: from the first of summary, body,
    audience, labels, comments that matches. Returns (field, Markup), or (None, None)."""
    for name, value in fields:
        html, found = highlight(value, query, window=SNIPPET_CHARS)
        if found:
            return name, html
    return None, None


# --- the index -------------------------------------------------------------------

def _documents(item_ids):
    """{item id: {title, labels, content, comments}} for the items of ``item_ids`` that exist."""
    docs = {}
    for row in db.session.execute(select(Item.id, Item.title, Item.summary, Item.body, Item.audience)
                                  .where(Item.id.in_(item_ids))):
        docs[row.id] = {"title": row.title or "", "labels": [], "comments": [],
                        "content": "\n".join(v for v in (row.summary, row.body, row.audience) if v)}
    if not docs:
        return docs
    for item_id, name in db.session.execute(
            select(item_labels.c.item_id, Label.name).join(Label, Label.id == item_labels.c.label_id)
            .where(item_labels.c.item_id.in_(list(docs))).order_by(Label.name)):
        docs[item_id]["labels"].append(name)
    for item_id, body in db.session.execute(
            select(Comment.item_id, Comment.body).where(Comment.item_id.in_(list(docs))).order_by(Comment.id)):
        docs[item_id]["comments"].append(body or "")
    for doc in docs.values():
        doc["labels"] = "\n".join(doc["labels"])
        doc["comments"] = "\n".join(doc["comments"])
    return docs


PG_DOCUMENT = ("setweight(to_tsvector('french', unaccent(:title)), 'A') || "
               "setweight(to_tsvector('french', unaccent(:labels)), 'B') || "
               "setweight(to_tsvector('french', unaccent(:content)), 'C') || "
               "setweight(to_tsvector('french', unaccent(:comments)), 'D')")


def index_items(item_ids):
    """Write again the index rows of ``item_ids`` in the current transaction (an id
    whose item is gone loses its row). Commits nothing: the unit of work does."""
    ids = sorted({i for i in item_ids if i is not None})
    sqlite = _dialect() == "sqlite"
    for n in range(0, len(ids), BATCH):
        chunk = ids[n:n + BATCH]
        docs = _documents(chunk)
        db.session.execute(delete(SearchDocument).where(SearchDocument.item_id.in_(chunk)))
        if sqlite:
            db.session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join(map(str, chunk))})"))
        if not docs:
            continue
        if sqlite:
            db.session.execute(SearchDocument.__table__.insert(), [{"item_id": i, "document": None} for i in docs])
            db.session.execute(
                text(f"INSERT INTO {FTS_TABLE} (rowid, title, labels, content, comments) "
                     "VALUES (:id, :title, :labels, :content, :comments)"),
                [{"id": i, **{k: stems_text(v) for k, v in doc.items()}} for i, doc in docs.items()])
        else:
            db.session.execute(
                text(f"INSERT INTO search_documents (item_id, document) VALUES (:id, {PG_DOCUMENT})"),
                [{"id": i, **doc} for i, doc in docs.items()])


def on_events(events, uow):
    """Before commit: refresh the index rows of the items these events changed."""
    ids, labels, groups = set(), set(), set()
    for event, _actor in events:
        if event.type == ev.ITEM_PURGED:
            ids.add((event.payload or {}).get("item_id"))
        elif event.type == ev.LABEL_UPDATED:
            labels.add(((event.payload or {}).get("label") or {}).get("id"))
        elif event.type == ev.LABEL_DELETED:
            groups.add(event.group_id)  # the label's links are gone already: its group's items
        elif event.item_id is not None:
            ids.add(event.item_id)
    if labels - {None}:
        ids |= set(db.session.scalars(select(item_labels.c.item_id).where(item_labels.c.label_id.in_(labels))))
    if groups - {None}:
        ids |= set(db.session.scalars(select(Item.id).where(Item.group_id.in_(groups))))
    index_items(ids)


def reindex_all():
    """Rebuild the whole index from the items (``flask relais reindex``). Returns how many
    items are indexed. Commits."""
    db.session.execute(delete(SearchDocument))
    if _dialect() == "sqlite":
        db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    ids = list(db.session.scalars(select(Item.id).order_by(Item.id)))
    index_items(ids)
    db.session.commit()
    return len(ids)


# --- searching -------------------------------------------------------------------

class Hit:
    """One result: the item (as the API shows it), its group's name, where it matched,
    the passage with the matches marked, its title marked, and its rank (higher first)."""

    def __init__(self, item, group_name, field, snippet_html, title_html, rank):
        self.item, self.group_name, self.field = item, group_name, field
        self.snippet, self.title_html, self.rank = snippet_html, title_html, rank


def _ranked_ids(query, where, limit, offset):
    """[(item id, rank)], total: the matching items the filters ``where`` keep, best first."""
    items = Item.__table__
    if _dialect() == "postgresql":
        # The words are folded already (``fold`` does what unaccent does): a constant query.
        tsq = func.to_tsquery(literal_column("'french'::regconfig"), query.tsquery())
        score = func.ts_rank(SearchDocument.document, tsq)
        stmt = (select(items.c.id, score.label("score"), func.count().over().label("total"))
                .join(SearchDocument, SearchDocument.item_id == items.c.id)
                .where(SearchDocument.document.op("@@")(tsq), *where))
    else:
        # bm25() only works in the query that scans the FTS table: rank there, filter outside.
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        fts = table(FTS_TABLE, column("rowid"))
        matched = (select(fts.c.rowid.label("item_id"), literal_column(f"-bm25({FTS_TABLE}, {weights})").label("score"))
                   .select_from(fts).where(text(f"{FTS_TABLE} MATCH :match").bindparams(match=query.fts5()))
                   .subquery("matched"))
        stmt = (select(items.c.id, matched.c.score, func.count().over().label("total"))
                .join(matched, matched.c.item_id == items.c.id).where(*where))
    stmt = stmt.order_by(literal_column("score").desc(), items.c.id.desc()).limit(limit).offset(offset)
    rows = db.session.execute(stmt).all()
    total = rows[0].total if rows else 0
    return [(row.id, float(row.score)) for row in rows], total


def search(user, q, *, group_id=None, state=None, limit=20, offset=0, include_hidden=False):
    """The items ``user`` may see that match ``q``, best first: ``(hits, total)``.
    Members see their groups' items, coordinators and admins every group's. Items in
    the trash and in the hidden columns (rejected, archived) only with
    ``include_hidden`` — or, for a hidden column, when ``state`` names it. An empty
    query finds nothing. Raises Unauthorized, NotFound (a group the user cannot see)."""
    require_user(user)
    query = Query(q)
    if group_id is not None:
        get_group(user, group_id)  # NotFound when unknown or not visible
    if not query:
        return [], 0
    items = Item.__table__
    where = []
    if group_id is not None:
        where.append(items.c.group_id == group_id)
    elif not sees_every_group(user):  # the person's groups, read by the search's own query
        where.append(items.c.group_id.in_(select(Membership.group_id).where(Membership.user_id == user.id)))
    if state is not None:
        where.append(items.c.state == state)
    if not include_hidden:
        where.append(items.c.deleted.is_(False))
        if state is None:
            where.append(items.c.state.in_(st.BOARD_COLUMNS))
    ranked, total = _ranked_ids(query, where, min(max(1, limit), MAX_LIMIT), max(0, offset))
    if not ranked:
        return [], total
    ids = [item_id for item_id, _ in ranked]
    loaded = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_(ids)).options(*item_load_options(), joinedload(Item.group)))}
    found = {}  # item id → (title html, field, passage); the comments only read for those that need them
    for item_id in ids:
        item = loaded.get(item_id)
        if item is None:
            continue
        fields = [("summary", item.summary), ("body", _plain(item.body)), ("audience", item.audience),
                  ("labels", ", ".join(label.name for label in item.labels))]
        found[item_id] = (highlight(item.title, query)[0], *snippet(fields, query))
    need_comments = [item_id for item_id, (_, field, _) in found.items() if field is None]
    comments = {}
    if need_comments:
        for item_id, body in db.session.execute(select(Comment.item_id, Comment.body)
                                                .where(Comment.item_id.in_(need_comments)).order_by(Comment.id)):
            comments.setdefault(item_id, []).append(("comment", body or ""))
    hits = []
    for item_id, rank in ranked:
        if item_id not in found:
            continue
        item = loaded[item_id]
        title_html, field, passage = found[item_id]
        if field is None:
            field, passage = snippet(comments.get(item_id, []), query)
        if field is None:  # the title alone matched: the summary's start, as the card shows it
            field, passage = "title", escape(_plain(item.summary)[:SNIPPET_CHARS])
        hits.append(Hit(item, item.group.name, field, passage, title_html, rank))
    return hits, total
