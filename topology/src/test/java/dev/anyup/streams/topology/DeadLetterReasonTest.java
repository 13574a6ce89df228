package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.ImageRejectedException;
import dev.anyup.streams.serdes.PayloadMismatchException;
import dev.anyup.streams.serdes.PayloadTooLargeException;
import dev.anyup.streams.serdes.SchemaRegistryUnavailableException;
import dev.anyup.streams.serdes.TruncatedPayloadException;
import dev.anyup.streams.serdes.UnknownSchemaIdException;
import dev.anyup.streams.serdes.WrongMagicByteException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DeadLetterReasonTest {

  @Test
  void everyCodeIsAnUpperCaseWordOfItsStage() {
    for (DeadLetterReason r : DeadLetterReason.values()) {
      assertEquals(r.stage().name() + "_" + r.code(), r.name());
      assertTrue(r.code().matches("[A-Z][A-Z_]*"), r.code());
    }
  }

  @Test
  void deserializerExceptionsMapToTheirCodes() {
    assertEquals("MAGIC_BYTE", DeadLetterReason.ofDeserialization(new WrongMagicByteException("x")).code());
    assertEquals("UNKNOWN_SCHEMA",
        DeadLetterReason.ofDeserialization(new UnknownSchemaIdException("x", null)).code());
    assertEquals("TRUNCATED", DeadLetterReason.ofDeserialization(new TruncatedPayloadException("x")).code());
    assertEquals("TOO_LARGE", DeadLetterReason.ofDeserialization(new PayloadTooLargeException("x", null)).code());
    assertEquals("MALFORMED", DeadLetterReason.ofDeserialization(new PayloadMismatchException("x")).code());
    assertEquals("MALFORMED", DeadLetterReason.ofDeserialization(new IllegalStateException("x")).code());
    assertEquals("REGISTRY_ERROR",
        DeadLetterReason.ofDeserialization(new SchemaRegistryUnavailableException(503, 0, "x", "http://r", null)).code());
  }

  @Test
  void everyDecoderRejectionHasADecodeCode() {
    for (ImageRejectedException.Reason reason : ImageRejectedException.Reason.values()) {
      DeadLetterReason r = DeadLetterReason.ofRejection(new ImageRejectedException(reason, "x"));
      assertEquals(Stage.DECODE, r.stage());
      assertEquals(reason.name(), r.code());
    }
  }

  @Test
  void theOperationsGuideListsEveryStageAndCode() throws Exception {
    Path guide = Path.of("").toAbsolutePath().getParent().resolve("docs").resolve("operations.md");
    for (Path readme : new Path[] {guide}) {
      String text = Files.readString(readme);
      for (DeadLetterReason r : DeadLetterReason.values()) {
        Pattern row = Pattern.compile("(?m)^\\|\\s*`" + r.stage().label() + "`\\s*\\|[^\\n]*`" + r.code() + "`");
        assertTrue(row.matcher(text).find(), readme + " lists " + r.stage().label() + " / " + r.code());
      }
    }
  }
}
