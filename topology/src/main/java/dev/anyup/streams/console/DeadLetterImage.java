package dev.anyup.streams.console;

import dev.anyup.streams.avro.ImageEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The image inside a dead letter's value, when the value is an {@code ImageEvent} in the registry's wire format
 * (magic byte 0, 4-byte schema id, Avro body) written with this build's schema: a user downloading a dead letter
 * wants the photo (to open it and see why it failed), not only the Avro bytes. Values that are not such a record
 * (garbage, another schema, a tombstone) have no image; the original bytes are still offered.
 */
final class DeadLetterImage {
  private DeadLetterImage() {}

  /** The decoded event, or empty when the value is not an {@code ImageEvent} this build can read. */
  static Optional<ImageEvent> decode(byte[] value) {
    if (value == null || value.length < 6 || value[0] != 0) {
      return Optional.empty();
    }
    try {
      var decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
      ImageEvent e = new SpecificDatumReader<>(ImageEvent.class).read(null, decoder);
      return decoder.isEnd() && e.getImage() != null ? Optional.of(e) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The image bytes of {@code e}. */
  static byte[] bytes(ImageEvent e) {
    ByteBuffer b = e.getImage().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** A file name for the image: the image id made safe, with the extension of its content type. */
  static String fileName(ImageEvent e) {
    String ext = switch (String.valueOf(e.getContentType())) {
      case "image/jpeg" -> ".jpg";
      case "image/png" -> ".png";
      case "image/gif" -> ".gif";
      case "image/bmp" -> ".bmp";
      case "image/webp" -> ".webp";
      default -> ".img";
    };
    String base = String.valueOf(e.getImageId()).replaceAll("[^A-Za-z0-9._-]", "_");
    return base.endsWith(ext) ? base : base + ext;
  }
}
