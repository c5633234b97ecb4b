"""The search index: the words of each item (title, summary, body, audience, labels,
comments), kept by ``services.search`` in the transaction that changes them.

PostgreSQL: ``search_documents.document`` is a ``tsvector`` (``french`` configuration
over ``unaccent``ed text, weighted A title, B labels, C summary/body/audience, D
comments) with a GIN index. SQLite: the words live in the FTS5 table ``search_fts``
(rowid = item id; French stems made in Python, see ``services.search``), created with
``search_documents`` and absent from the models (a virtual table), so migration
comparisons leave it out (``in_schema_comparison``); there ``document`` stays empty.
Which items a person may see, their state and whether they are in the trash are read
from ``items`` at query time, so moves, trash and restore need no rewrite of the index."""
from sqlalchemy import DDL, ForeignKey, Index, Integer, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

FTS_TABLE = "search_fts"
# Column order matters: bm25() weights follow it (services.search).
FTS_COLUMNS = ("title", "labels", "content", "comments")
CREATE_FTS = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({', '.join(FTS_COLUMNS)}, "
              "tokenize = 'unicode61 remove_diacritics 2')")
DROP_FTS = f"DROP TABLE IF EXISTS {FTS_TABLE}"
CREATE_UNACCENT = "CREATE EXTENSION IF NOT EXISTS unaccent"


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_document", "document", postgresql_using="gin"),)
    item_id: Mapped[int] = mapped_column(Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    document: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))


# ``create_all`` (the tests, a fresh dev database) builds what the migration builds.
event.listen(SearchDocument.__table__, "before_create", DDL(CREATE_UNACCENT).execute_if(dialect="postgresql"))
event.listen(SearchDocument.__table__, "after_create", DDL(CREATE_FTS).execute_if(dialect="sqlite"))
event.listen(SearchDocument.__table__, "after_drop", DDL(DROP_FTS).execute_if(dialect="sqlite"))


def in_schema_comparison(obj, name, type_, reflected, compare_to):
    """Alembic's ``include_object``: leave out the FTS5 table and its shadow tables."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
