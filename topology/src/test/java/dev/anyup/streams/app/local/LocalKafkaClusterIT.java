package dev.anyup.streams.app.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-process KRaft broker against real clients: plain, transactional and large records. */
class LocalKafkaClusterIT {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static LocalKafkaCluster kafka;

    @BeforeAll
    static void startBroker() {
        kafka = LocalKafkaCluster.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void producedRecordsAreConsumedInOrder() throws Exception {
        String topic = newTopic(1);
        try (KafkaProducer<String, String> producer = stringProducer(Map.of())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "camera-1", "frame-" + i)).get();
            }
        }
        List<ConsumerRecord<String, String>> records = readUntil(topic, IsolationLevel.READ_UNCOMMITTED, r -> r.size() >= 5);
        assertEquals(List.of("frame-0", "frame-1", "frame-2", "frame-3", "frame-4"),
                records.stream().map(ConsumerRecord::value).toList());
        assertTrue(records.stream().allMatch(r -> r.key().equals("camera-1")));
    }

    @Test
    void committedTransactionIsVisibleToReadCommittedConsumer() {
        String topic = newTopic(3);
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k1", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "k2", "committed-2"));
            producer.commitTransaction();
        }
        List<String> values = readUntil(topic, IsolationLevel.READ_COMMITTED, r -> r.size() >= 2)
                .stream().map(ConsumerRecord::value).sorted().toList();
        assertEquals(List.of("committed-1", "committed-2"), values);
    }

    @Test
    void abortedTransactionIsInvisibleToReadCommittedConsumer() {
        String topic = newTopic(1);
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            // A committed marker after the aborted batch: once it is read, the aborted record has been skipped.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "marker"));
            producer.commitTransaction();
        }
        List<String> committed = readUntil(topic, IsolationLevel.READ_COMMITTED,
                r -> r.stream().anyMatch(c -> c.value().equals("marker")))
                .stream().map(ConsumerRecord::value).toList();
        assertEquals(List.of("marker"), committed);

        List<String> uncommitted = readUntil(topic, IsolationLevel.READ_UNCOMMITTED,
                r -> r.stream().anyMatch(c -> c.value().equals("marker")))
                .stream().map(ConsumerRecord::value).toList();
        assertEquals(List.of("aborted", "marker"), uncommitted, "the aborted record is in the log, only hidden");
    }

    @Test
    void tenMegabyteRecordFits() throws Exception {
        String topic = newTopic(1);
        byte[] payload = new byte[10 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        Map<String, Object> producerConfig = kafka.clientConfig();
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig)) {
            RecordMetadata meta = producer.send(new ProducerRecord<>(topic, "big".getBytes(), payload)).get();
            assertEquals(0, meta.offset());
        }
        Map<String, Object> consumerConfig = consumerConfig(IsolationLevel.READ_UNCOMMITTED);
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            List<ConsumerRecord<byte[], byte[]>> records = pollUntil(consumer, topic, r -> !r.isEmpty());
            assertEquals(1, records.size());
            assertArrayEquals(payload, records.get(0).value());
        }
    }

    @Test
    void creatingAnExistingTopicFailsNamingIt() {
        String topic = newTopic(1);
        LocalStackException e = assertThrows(LocalStackException.class, () -> kafka.createTopic(topic, 1, Map.of()));
        assertTrue(e.getMessage().contains(topic), e.getMessage());
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsLogDir() {
        LocalKafkaCluster second = LocalKafkaCluster.builder().optMaxMessageBytes(2 * 1024 * 1024).start();
        Path logDir = second.logDir();
        try {
            assertTrue(Files.isDirectory(logDir));
            assertNotEquals(kafka.bootstrapServers(), second.bootstrapServers(), "each cluster gets its own port");
            second.createTopic("t", 1, Map.of());
        } finally {
            second.close();
        }
        assertFalse(Files.exists(logDir), "log dir " + logDir + " must be deleted on close");
        second.close(); // idempotent
    }

    @Test
    void portTakenBeforeTheBrokerBinds_startRetriesOnFreshPorts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger calls = new AtomicInteger();
            // 1st attempt: controller gets a free port, the broker the taken one; later attempts: free ports.
            LocalKafkaCluster.Builder builder = LocalKafkaCluster.builder().portPicker(
                    () -> calls.incrementAndGet() == 2 ? taken.getLocalPort() : LocalKafkaCluster.Builder.freePort());
            try (LocalKafkaCluster retried = builder.start()) {
                assertTrue(calls.get() >= 4, "a second attempt picks new ports");
                assertNotEquals("127.0.0.1:" + taken.getLocalPort(), retried.bootstrapServers());
                retried.createTopic("after-retry", 1, Map.of());
            }
        }
    }

    private static String newTopic(int partitions) {
        String name = "t-" + UUID.randomUUID();
        kafka.createTopic(name, partitions, Map.of());
        return name;
    }

    private static KafkaProducer<String, String> stringProducer(Map<String, Object> extra) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.putAll(extra);
        return new KafkaProducer<>(config);
    }

    private static KafkaProducer<String, String> transactionalProducer() {
        return stringProducer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID()));
    }

    private static Map<String, Object> consumerConfig(IsolationLevel isolation) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return config;
    }

    private static List<ConsumerRecord<String, String>> readUntil(
            String topic, IsolationLevel isolation, Predicate<List<ConsumerRecord<String, String>>> done) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(isolation))) {
            return pollUntil(consumer, topic, done);
        }
    }

    private static <K, V> List<ConsumerRecord<K, V>> pollUntil(
            KafkaConsumer<K, V> consumer, String topic, Predicate<List<ConsumerRecord<K, V>>> done) {
        consumer.subscribe(List.of(topic));
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (!done.test(records)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("read only " + records.size() + " records from " + topic + " in " + READ_TIMEOUT);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
