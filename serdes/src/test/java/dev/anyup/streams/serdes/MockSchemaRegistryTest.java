package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import org.junit.jupiter.api.Test;

class MockSchemaRegistryTest {

  @Test
  void sameScopeIsSharedAcrossClientsAndSerdes() {
    String scope = TestRecords.uniqueScope();
    SchemaRegistryClient a = SchemaRegistryClient.create(SchemaRegistryConfig.forUrl("mock://" + scope));
    SchemaRegistryClient b = SchemaRegistryClient.create(SchemaRegistryConfig.forUrl("mock://" + scope));
    assertSame(a, b);
    int id = a.register("s", ImageEvent.getClassSchema());
    assertEquals(ImageEvent.getClassSchema(), b.schemaById(id));
  }

  @Test
  void droppedScopeStartsEmpty() {
    String scope = TestRecords.uniqueScope();
    MockSchemaRegistry before = MockSchemaRegistry.scope(scope);
    before.register("s", ImageEvent.getClassSchema());
    MockSchemaRegistry.dropScope(scope);
    MockSchemaRegistry after = MockSchemaRegistry.scope(scope);
    assertNotSame(before, after);
    assertThrows(SchemaNotFoundException.class, () -> after.schemaById(1));
  }

  @Test
  void registeringTheSameSchemaTwiceKeepsOneVersion() {
    MockSchemaRegistry r = MockSchemaRegistry.scope(TestRecords.uniqueScope());
    int id = r.register("s", ImageEvent.getClassSchema());
    assertEquals(id, r.register("s", ImageEvent.getClassSchema()));
    assertEquals(new RegisteredSchema("s", id, 1, ImageEvent.getClassSchema()), r.latest("s"));
    assertEquals(1, r.lookup("s", ImageEvent.getClassSchema()).version());
  }

  @Test
  void unknownSubjectAndSchemaAreTyped() {
    MockSchemaRegistry r = MockSchemaRegistry.scope(TestRecords.uniqueScope());
    assertThrows(SubjectNotFoundException.class, () -> r.latest("nope"));
    r.register("s", ImageEvent.getClassSchema());
    assertThrows(SchemaNotFoundException.class, () -> r.lookup("s", ImageEmbedding.getClassSchema()));
  }

  @Test
  void noneCompatibilityAcceptsAnything() {
    MockSchemaRegistry r = MockSchemaRegistry.scope(TestRecords.uniqueScope());
    r.register("s", ImageEvent.getClassSchema());
    r.setCompatibility("s", CompatibilityLevel.NONE);
    assertEquals(2, r.register("s", ImageEmbedding.getClassSchema()));
    assertEquals(2, r.latest("s").version());
  }
}
