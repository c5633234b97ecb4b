"""OpenAPI path of the search across groups (merged into openapi.py's table)."""
from ..schemas.search import FLAGS, MAX_QUERY, SearchOut


def search_paths(ref, op):
    def query(name, schema, description):
        return {"in": "query", "name": name, "schema": schema, "description": description}

    return {"/api/v1/search": {"get": op(
        "searchItems", "Search items by title, summary, description, labels and comments, in the groups the "
        "caller may see",
        description="French full-text search: stems and accents folded (a word typed without its accents "
                    "finds it with them, a singular finds the plural), the last word taken as a prefix (results "
                    "while typing), "
                    "the best matches first (title, then labels, then summary/description, then comments). "
                    "`snippet` and `title_html` are safe HTML: the text escaped, the matching words in "
                    "`<mark>`. An empty `q` answers no results (200). A bad parameter is a 400 naming it.",
        out=SearchOut, params=[
            query("q", {"type": "string", "maxLength": MAX_QUERY}, "The words searched"),
            query("group", {"type": "integer", "minimum": 1}, "Only this group (404 if the caller cannot see it)"),
            query("state", {"type": "string"}, "Only this column (a hidden one, rejected or archived, is then "
                                                "included)"),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 20}, "At most this many"),
            query("offset", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}, "Skip this many"),
            query("include_hidden", {"type": "string", "enum": list(FLAGS), "default": "0"},
                  "Also the trash and the hidden columns (rejected, archived)"),
        ], errors=(400, 401, 404))}}
