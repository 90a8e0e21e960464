#!/usr/bin/env python3
"""Writes a valid RGB PNG of about SIZE_MIB mebibytes to PATH, streaming
(constant memory): python3 make_png.py PATH SIZE_MIB [SEED]."""
import struct
import sys
import zlib

path, size_mib = sys.argv[1], int(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
width = 4096
row_bytes = 1 + width * 3
height = max(1, size_mib * 1024 * 1024 // row_bytes)


def chunk(out, kind, data):
    out.write(struct.pack(">I", len(data)))
    out.write(kind)
    out.write(data)
    out.write(struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


with open(path, "wb") as out:
    out.write(b"\x89PNG\r\n\x1a\n")
    chunk(out, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    # Level 0: stored blocks, so the file is as large as the pixels.
    compressor = zlib.compressobj(0)
    pixels = bytes((i * 7 + seed) & 0xFF for i in range(width * 3))
    batch = []
    for y in range(height):
        batch.append(b"\x00" + pixels)
        if len(batch) == 256 or y == height - 1:
            data = compressor.compress(b"".join(batch))
            batch = []
            if data:
                chunk(out, b"IDAT", data)
    chunk(out, b"IDAT", compressor.flush())
    chunk(out, b"IEND", b"")
