"""python3 -m unittest discover -s bench/python  (no Kafka, no torch)."""

import struct
import unittest

import imageevent


def _long(v):
    z = (v << 1) ^ (v >> 63)
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _raw(b):
    return _long(len(b)) + b


def _event(image=b"\xff\xd8jpeg", attributes=None, uri=None, schema_id=7, map_block_size=False):
    body = _raw("img-1".encode()) + _raw("cam-\u00e9".encode()) + _long(1_700_000_000_123) + _raw(b"image/jpeg")
    body += _raw(image)
    attributes = attributes or {}
    if attributes:
        entries = b"".join(_raw(k.encode()) + _raw(v.encode()) for k, v in attributes.items())
        if map_block_size:
            body += _long(-len(attributes)) + _long(len(entries))
        else:
            body += _long(len(attributes))
        body += entries
    body += _long(0)
    body += _long(0) if uri is None else _long(1) + _raw(uri.encode())
    return b"\x00" + struct.pack(">i", schema_id) + body


class ImageEventTest(unittest.TestCase):

    def test_decodes_every_field(self):
        e = imageevent.decode(_event(attributes={"a": "1", "b": "x"}, uri="s3://b/k"))
        self.assertEqual(7, e.schema_id)
        self.assertEqual("img-1", e.image_id)
        self.assertEqual("cam-\u00e9", e.source_id)
        self.assertEqual(1_700_000_000_123, e.capture_timestamp)
        self.assertEqual("image/jpeg", e.content_type)
        self.assertEqual(b"\xff\xd8jpeg", bytes(e.image))
        self.assertEqual({"a": "1", "b": "x"}, e.attributes)
        self.assertEqual("s3://b/k", e.uri)

    def test_map_blocks_with_byte_size(self):
        self.assertEqual({"k": "v"}, imageevent.decode(_event(attributes={"k": "v"}, map_block_size=True)).attributes)

    def test_large_image_length_varint(self):
        image = bytes(range(256)) * 1000
        self.assertEqual(image, bytes(imageevent.decode(_event(image=image)).image))

    def test_negative_long_zigzag(self):
        self.assertEqual(-2, imageevent._Reader(_long(-2), 0).long("x"))

    def test_rejects_wrong_magic_byte(self):
        with self.assertRaisesRegex(imageevent.WireFormatError, "magic byte is 1"):
            imageevent.decode(b"\x01" + _event()[1:])

    def test_rejects_truncated_image(self):
        with self.assertRaisesRegex(imageevent.WireFormatError, "image: length"):
            imageevent.decode(_event()[:40])

    def test_rejects_trailing_bytes(self):
        with self.assertRaisesRegex(imageevent.WireFormatError, "trailing"):
            imageevent.decode(_event() + b"\x00")

    def test_rejects_short_header(self):
        with self.assertRaisesRegex(imageevent.WireFormatError, "shorter than"):
            imageevent.decode(b"\x00\x00")


if __name__ == "__main__":
    unittest.main()
