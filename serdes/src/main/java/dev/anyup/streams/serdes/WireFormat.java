package dev.anyup.streams.serdes;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
final class WireFormat {
  static final byte MAGIC_BYTE = 0;
  static final int HEADER_SIZE = 5;
  /** Confluent 8's GUID-based payload prefix: magic 1 followed by a 16-byte schema GUID. */
  static final byte CONFLUENT_GUID_MAGIC_BYTE = 1;
  static final String KEY_SCHEMA_ID_HEADER = "__key_schema_id";
  static final String VALUE_SCHEMA_ID_HEADER = "__value_schema_id";

  private WireFormat() {}

  static void writeHeader(byte[] buf, int schemaId) {
    buf[0] = MAGIC_BYTE;
    buf[1] = (byte) (schemaId >>> 24);
    buf[2] = (byte) (schemaId >>> 16);
    buf[3] = (byte) (schemaId >>> 8);
    buf[4] = (byte) schemaId;
  }

  /**
   * Validates the header of {@code data[offset, offset+length)} and returns the schema id.
   *
   * @throws TruncatedPayloadException for an empty or too short payload
   * @throws WrongMagicByteException when the first byte is not 0, with a guess at what the payload is
   */
  static int readSchemaId(String topic, boolean isKey, Headers headers, byte[] data, int offset, int length) {
    String where = (isKey ? "key" : "value") + " on topic " + topic;
    if (length == 0) {
      throw new TruncatedPayloadException("empty " + where + " (0 bytes): a Confluent Avro payload has at least a "
          + HEADER_SIZE + "-byte header (a tombstone must be a null value, not an empty one)");
    }
    byte magic = data[offset];
    if (magic != MAGIC_BYTE) {
      throw new WrongMagicByteException("unknown magic byte 0x" + HexFormat.of().toHexDigits(magic) + " in " + where
          + " (expected 0x00, Confluent wire format); payload starts with " + hexPrefix(data, offset, length)
          + guess(isKey, headers, data, offset, length));
    }
    if (length < HEADER_SIZE) {
      throw new TruncatedPayloadException("truncated " + where + ": " + length + " byte(s), but the Confluent header alone is "
          + HEADER_SIZE + " bytes (magic byte + 4-byte schema id)");
    }
    return ((data[offset + 1] & 0xff) << 24) | ((data[offset + 2] & 0xff) << 16)
        | ((data[offset + 3] & 0xff) << 8) | (data[offset + 4] & 0xff);
  }

  private static String guess(boolean isKey, Headers headers, byte[] data, int offset, int length) {
    Header schemaIdHeader = headers == null ? null
        : headers.lastHeader(isKey ? KEY_SCHEMA_ID_HEADER : VALUE_SCHEMA_ID_HEADER);
    if (schemaIdHeader != null) {
      return "; the record carries a '" + schemaIdHeader.key() + "' header: it was written with Confluent's newer"
          + " header-based schema id format (schema GUID in a record header, no payload prefix), which this serde"
          + " does not read; configure the producer to put the schema id in the payload";
    }
    if (data[offset] == CONFLUENT_GUID_MAGIC_BYTE && length >= 17) {
      return "; magic byte 0x01 looks like Confluent's newer GUID-prefixed format (16-byte schema GUID), which this"
          + " serde does not read; configure the producer to use schema ids";
    }
    char first = (char) (data[offset] & 0xff);
    if (first == '{' || first == '[' || first == '"') {
      return "; it looks like JSON text: "
          + new String(data, offset, Math.min(length, 40), StandardCharsets.UTF_8) + (length > 40 ? "..." : "");
    }
    return "; not written by a Confluent-compatible Avro serializer?";
  }

  static String hexPrefix(byte[] data, int offset, int length) {
    int n = Math.min(length, 8);
    return HexFormat.ofDelimiter(" ").formatHex(data, offset, offset + n) + (length > n ? " ..." : "")
        + " (" + length + " bytes)";
  }
}
