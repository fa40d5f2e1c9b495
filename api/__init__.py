"""The HTTP API.

Polars runs single-threaded in the API process unless POLARS_MAX_THREADS says otherwise: a request's
frames are a few thousand rows, and waking a parked thread pool for each of them cost more than the
work (about 0.7 ms per chart on the benchmark machine); requests run concurrently on the event loop
and across workers instead. Polars reads the variable once, when first imported, hence here.
"""

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")
