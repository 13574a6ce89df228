package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class InspectCommandTest {
  private static final TopicPartition TP = new TopicPartition("features.dense", 0);

  /** A clock that moves 200 ms per reading, as a poll with nothing to return would take. */
  private static final class StepClock {
    final AtomicLong nanos = new AtomicLong();

    long next() {
      return nanos.addAndGet(200_000_000L);
    }
  }

  private static MockConsumer<byte[], byte[]> consumerWith() {
    MockConsumer<byte[], byte[]> c = new MockConsumer<>("earliest");
    c.subscribe(List.of(TP.topic()));
    c.updateBeginningOffsets(Map.of(TP, 0L));
    return c;
  }

  private static void assignAndFill(MockConsumer<byte[], byte[]> c, int records) {
    c.rebalance(List.of(TP));
    for (int i = 0; i < records; i++) {
      c.addRecord(new ConsumerRecord<>(TP.topic(), 0, i, ("k" + i).getBytes(), new byte[] {1}));
    }
  }

  @Test
  void maxOneHandsOnExactlyOneRecordAndCountsOne() {
    MockConsumer<byte[], byte[]> c = consumerWith();
    assignAndFill(c, 3);
    List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
    int n = InspectCommand.read(c, 1, 1000, 30_000, new StepClock()::next, seen::add);
    assertEquals(1, seen.size());
    assertEquals(1, n, "the count printed is the number of records printed");
  }

  @Test
  void theIdleTimerStartsOnlyOnceThePartitionsAreAssigned() {
    MockConsumer<byte[], byte[]> c = consumerWith();
    // a slow group join: no assignment for 40 polls (8 s of the step clock), far past --idle-ms 1000
    for (int i = 0; i < 40; i++) {
      c.schedulePollTask(() -> { });
    }
    c.schedulePollTask(() -> assignAndFill(c, 3));
    List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
    int n = InspectCommand.read(c, 100, 1000, 30_000, new StepClock()::next, seen::add);
    assertEquals(3, n, "all three committed records are read after the late assignment");
  }

  @Test
  void noAssignmentWithinTheWaitIsAFailureNotZeroRecords() {
    MockConsumer<byte[], byte[]> c = consumerWith();
    int n = InspectCommand.read(c, 100, 1000, 5_000, new StepClock()::next, r -> { });
    assertEquals(-1, n);
  }

  @Test
  void theDenseSummaryNamesAMissingProjectionAndTheCaptureAndProcessedTimes() {
    ModelRef ref = ModelRef.newBuilder().setName("m").setVersion("1").setSha256("00").build();
    Preprocessing pre = Preprocessing.newBuilder().setSourceWidth(8).setSourceHeight(6).setInputWidth(8)
        .setInputHeight(6).setResizeMode("SQUASH").setScaleX(1).setScaleY(1).setCropX(0).setCropY(0).setCropWidth(8)
        .setCropHeight(6).setPadX(0).setPadY(0).setPadWidth(8).setPadHeight(6).build();
    DenseFeatures d = DenseFeatures.newBuilder().setImageId("img").setSourceId("cam")
        .setCaptureTimestamp(Instant.parse("2026-01-02T03:04:05Z"))
        .setProcessedTimestamp(Instant.parse("2026-01-02T03:04:05.250Z"))
        .setLineage(ModelLineage.newBuilder().setEncoderModel(ref).setUpsamplerModel(ref).setBundleName("b")
            .setBundleVersion("1").build())
        .setPreprocessing(pre).setHeader(TensorHeader.newBuilder().setShape(List.of(1, 6, 8)).setLayout("CHW")
            .setDtype(dev.anyup.streams.avro.DType.FLOAT32).setScales(List.of()).setProjectionId(null).build())
        .setTensor(ByteBuffer.wrap(new byte[4 * 48])).build();
    String text = String.join("\n", FeatureRenderer.summary(d));
    assertTrue(text.contains("projection none"), text);
    assertTrue(text.contains("captured 2026-01-02T03:04:05Z processed 2026-01-02T03:04:05.250Z (age 250 ms)"), text);
  }
}
