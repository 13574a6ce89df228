package dev.anyup.streams.app.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builder validation and the broker configuration it derives; no broker is started here. */
class LocalKafkaClusterTest {

    @Test
    void maxMessageBytes_tooSmall() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalKafkaCluster.builder().optMaxMessageBytes(10));
        assertEquals("max message bytes must be at least 1024 but was 10", e.getMessage());
    }

    @Test
    void startTimeout_notPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalKafkaCluster.builder().optStartTimeout(Duration.ZERO));
        assertTrue(e.getMessage().contains("start timeout must be positive"), e.getMessage());
    }

    @Test
    void brokerConfig_refusesKeysTheClusterOwns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalKafkaCluster.builder().optBrokerConfig("listeners", "PLAINTEXT://0.0.0.0:9092"));
        assertEquals("broker config listeners is set by LocalKafkaCluster itself", e.getMessage());
    }

    @Test
    void brokerProperties_singleNodeTransactionsAndBigRecords() {
        Properties p = LocalKafkaCluster.builder().optMaxMessageBytes(200 * 1024 * 1024)
                .brokerProperties(Path.of("/tmp/x"), 1111, 2222);
        assertEquals("broker,controller", p.get("process.roles"));
        assertEquals("1@127.0.0.1:1111", p.get("controller.quorum.voters"));
        assertEquals("PLAINTEXT://127.0.0.1:2222", p.get("advertised.listeners"));
        assertEquals("1", p.get("transaction.state.log.replication.factor"));
        assertEquals("1", p.get("transaction.state.log.min.isr"));
        assertEquals("1", p.get("offsets.topic.replication.factor"));
        assertEquals("0", p.get("group.initial.rebalance.delay.ms"));
        assertEquals(Integer.toString(200 * 1024 * 1024), p.get("message.max.bytes"));
        assertEquals(Integer.toString(200 * 1024 * 1024), p.get("replica.fetch.max.bytes"));
        assertTrue(Integer.parseInt((String) p.get("socket.request.max.bytes")) > 200 * 1024 * 1024,
                "a request must be able to carry a maximal record");
    }

    @Test
    void brokerProperties_userOverridesApplyLast() {
        Properties p = LocalKafkaCluster.builder().optBrokerConfig("auto.create.topics.enable", "true")
                .brokerProperties(Path.of("/tmp/x"), 1111, 2222);
        assertEquals("true", p.get("auto.create.topics.enable"));
    }

    @Test
    void start_invalidBrokerConfig_failsNamingItAndLeavesNoLogDir(@TempDir Path parent) throws Exception {
        LocalStackException e = assertThrows(LocalStackException.class, () -> LocalKafkaCluster.builder()
                .optLogDirParent(parent).optBrokerConfig("num.io.threads", "many").start());
        assertTrue(e.getMessage().contains("num.io.threads"), e.getMessage());
        try (var left = Files.list(parent)) {
            assertEquals(0, left.count(), "the formatted log dir must be removed when start fails");
        }
    }

    @Test
    void ports_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalKafkaCluster.builder().optPorts(0, 9093));
        assertEquals("broker port must be between 1 and 65535 but was 0", e.getMessage());
    }

    @Test
    void ports_brokerAndControllerSame() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalKafkaCluster.builder().optPorts(9092, 9092));
        assertEquals("broker port and controller port must differ but both were 9092", e.getMessage());
    }

    @Test
    void dataDir_isFormattedOnlyOnce(@TempDir Path dir) throws Exception {
        assertEquals(false, LocalKafkaCluster.Builder.isFormatted(dir));
        Files.writeString(dir.resolve("meta.properties"), "node.id=1\n");
        assertTrue(LocalKafkaCluster.Builder.isFormatted(dir), "a formatted data dir is reused, not formatted again");
    }
}
