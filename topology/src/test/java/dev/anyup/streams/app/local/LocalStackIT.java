package dev.anyup.streams.app.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Broker + registry together: an Avro record goes through both, and closing stops both. */
class LocalStackIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void avroRecordRoundTripsThroughBrokerAndRegistry() throws Exception {
        try (LocalStack stack = LocalStack.start();
             SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(ImageEvent.class)) {
            serde.configure(Map.of("schema.registry.url", stack.schemaRegistryUrl()), false);
            stack.kafka().createTopic("images", 1, Map.of());
            ImageEvent sent = ImageEvent.newBuilder()
                    .setImageId("img-1").setSourceId("camera-1")
                    .setCaptureTimestamp(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .setContentType("image/png").setImage(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                    .setAttributes(Map.of("site", "lab")).setUri(null)
                    .build();

            Map<String, Object> producerConfig = stack.kafka().clientConfig();
            try (KafkaProducer<String, ImageEvent> producer =
                         new KafkaProducer<>(producerConfig, new StringSerializer(), serde.serializer())) {
                producer.send(new ProducerRecord<>("images", "camera-1", sent)).get();
            }

            Map<String, Object> consumerConfig = stack.kafka().clientConfig();
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "local-stack-it");
            consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            List<ConsumerRecord<String, ImageEvent>> received = new ArrayList<>();
            try (KafkaConsumer<String, ImageEvent> consumer =
                         new KafkaConsumer<>(consumerConfig, new StringDeserializer(), serde.deserializer())) {
                consumer.subscribe(List.of("images"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
            }
            assertEquals(1, received.size(), "records read back");
            assertEquals(sent, received.get(0).value());

            HttpResponse<String> subjects = HTTP.send(
                    HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + "/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, subjects.statusCode());
            assertTrue(subjects.body().contains("images-value"), "registered subjects: " + subjects.body());
        }
    }

    @Test
    void closeStopsRegistryAndBrokerAndDeletesItsWorkDir() throws Exception {
        LocalStack stack = LocalStack.start();
        Path workDir = stack.workDir();
        Path kafkaLogDir = stack.kafka().logDir();
        URI subjects = URI.create(stack.schemaRegistryUrl() + "/subjects");
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(subjects).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());

        stack.close();

        assertFalse(Files.exists(workDir), "work dir " + workDir + " must be deleted");
        assertFalse(Files.exists(kafkaLogDir), "Kafka log dir " + kafkaLogDir + " must be deleted");
        IOException refused = assertThrows(IOException.class,
                () -> HTTP.send(HttpRequest.newBuilder(subjects).build(), HttpResponse.BodyHandlers.ofString()));
        assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException,
                "the registry must be gone, got " + refused);
        stack.close(); // idempotent
    }
}
