"""COPY data handed to asyncpg as an async iterable of slices.

A file-like source (io.BytesIO) makes asyncpg define a reader class per call whose closure holds the
file: a reference cycle that keeps the whole COPY buffer alive until the cyclic garbage collector's
rare full pass. A bulk ingest of 100 M rows piled up over a gigabyte of such buffers. An async
iterable is used as it is, and is read without a thread hop per 512 KiB."""

from __future__ import annotations

from collections.abc import AsyncIterator

SLICE_BYTES = 4 * 2**20


async def copy_source(data: bytes) -> AsyncIterator[bytes]:
    if len(data) <= SLICE_BYTES:
        yield data
        return
    for start in range(0, len(data), SLICE_BYTES):
        yield data[start : start + SLICE_BYTES]
