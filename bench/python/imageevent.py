"""ImageEvent records as the app reads them: Confluent wire format (magic byte 0, 4-byte big-endian schema id) around
the Avro binary encoding of serdes/src/main/avro/ImageEvent.avsc.

Decoded by hand because the record is flat (strings, a long, bytes, a string map, a nullable string) and Debian's
python3-confluent-kafka 1.7 has no Avro deserializer without extra packages; the writer schema is assumed to be
ImageEvent's (the field order below), which is what the bench's producer registers.
"""

import struct
from collections import namedtuple

ImageEvent = namedtuple("ImageEvent", "schema_id image_id source_id capture_timestamp content_type image attributes uri")


class WireFormatError(ValueError):
    """A value is not a Confluent-framed ImageEvent; the message says which field and offset."""


class _Reader:
    def __init__(self, buf, start):
        self.buf = memoryview(buf)
        self.pos = start

    def long(self, field):
        shift = 0
        acc = 0
        while True:
            if self.pos >= len(self.buf):
                raise WireFormatError("truncated varint in %s at offset %d" % (field, self.pos))
            b = self.buf[self.pos]
            self.pos += 1
            acc |= (b & 0x7F) << shift
            if not b & 0x80:
                return (acc >> 1) ^ -(acc & 1)  # zigzag
            shift += 7
            if shift > 63:
                raise WireFormatError("varint longer than 10 bytes in %s at offset %d" % (field, self.pos))

    def raw(self, field):
        n = self.long(field)
        if n < 0 or self.pos + n > len(self.buf):
            raise WireFormatError("%s: length %d at offset %d exceeds the %d-byte value" % (field, n, self.pos,
                                                                                          len(self.buf)))
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def string(self, field):
        try:
            return str(self.raw(field), "utf-8")
        except UnicodeDecodeError as e:
            raise WireFormatError("%s is not UTF-8: %s" % (field, e)) from e

    def string_map(self, field):
        out = {}
        while True:
            count = self.long(field)
            if count == 0:
                return out
            if count < 0:  # a block with its byte size
                count = -count
                self.long(field)
            for _ in range(count):
                k = self.string(field + " key")
                out[k] = self.string(field + "[" + k + "]")


def decode(value):
    """Confluent-framed ImageEvent bytes -> ImageEvent (``image`` is a memoryview into ``value``)."""
    if value is None or len(value) < 5:
        raise WireFormatError("value of %s bytes is shorter than the 5-byte wire-format header"
                              % (None if value is None else len(value)))
    if value[0] != 0:
        raise WireFormatError("magic byte is %d, expected 0 (Confluent wire format)" % value[0])
    schema_id = struct.unpack_from(">i", value, 1)[0]
    r = _Reader(value, 5)
    image_id = r.string("image_id")
    source_id = r.string("source_id")
    capture = r.long("capture_timestamp")
    content_type = r.string("content_type")
    image = r.raw("image")
    attributes = r.string_map("attributes")
    branch = r.long("uri")
    if branch == 0:
        uri = None
    elif branch == 1:
        uri = r.string("uri")
    else:
        raise WireFormatError("uri: union branch %d, expected 0 (null) or 1 (string)" % branch)
    if r.pos != len(value):
        raise WireFormatError("%d trailing bytes after the record (writer schema is not ImageEvent's?)"
                              % (len(value) - r.pos))
    return ImageEvent(schema_id, image_id, source_id, capture, content_type, image, attributes, uri)
