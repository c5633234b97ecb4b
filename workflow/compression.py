"""Responses compressed on the wire (Flask-Compress): brotli or gzip, whichever the
client accepts (brotli first), for text bodies of 1,000 bytes or more — the board's
JSON and page shrink some twentyfold. A smaller answer goes as it is: with its headers
(about 450 bytes) it fits in one TCP segment (1,460 bytes on Ethernet) either way, so
compressing it would save no packet and cost brotli's time on every item read.

A streamed body other than a static file is sent as it is: an attachment keeps its
Content-Length and exact bytes, and a stream is never held back for a compressor.
Socket.IO is answered before Flask's hooks run, so it is untouched.

A compressed answer's strong ETag becomes weak (``"7"`` → ``W/"7"``, as nginx does):
the bytes differ from the plain ones, the content does not. Conditional GETs compare
weakly (RFC 9110 §13.1.2), so an unchanged board is still a 304, and ``If-Match``
with an item's version reads the same number either way."""
from flask import request
from flask_compress import Compress

compress = Compress()

# Below this many bytes a body and its headers fit in one TCP segment: sent as it is.
MIN_SIZE = 1000
# What Flask-Compress may choose, in the server's order of preference.
ALGORITHMS = ["br", "gzip"]
# A static file is streamed from disk; Flask-Compress's streaming coder has no gzip.
STREAMING_ALGORITHMS = ["br", "deflate"]


def init_app(app):
    app.config.setdefault("COMPRESS_ALGORITHM", ALGORITHMS)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", STREAMING_ALGORITHMS)
    app.config.setdefault("COMPRESS_MIN_SIZE", MIN_SIZE)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    # The views answer conditional requests themselves, before any work (see the board).
    app.config["COMPRESS_EVALUATE_CONDITIONAL_REQUEST"] = False
    app.config["COMPRESS_REGISTER"] = False  # our hook below decides what goes through it
    compress.init_app(app)

    # Registered first, so it runs last: every other hook sees the plain body.
    @app.after_request
    def compress_response(response):
        if response.is_streamed and request.endpoint != "static":
            return response
        etag, weak = response.get_etag()
        was_encoded = "Content-Encoding" in response.headers
        response = compress.after_request(response)
        if etag and not weak and not was_encoded and "Content-Encoding" in response.headers:
            response.set_etag(etag, weak=True)
        return response
