package dev.anyup.streams.app;

import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.topology.AppConfig;
import java.util.Map;

/**
 * One start/stop cycle of what {@code run} and {@code serve} load natively, in its own JVM (native libraries load once
 * per process): the bundle with the output head in its graph (DJL loads it from bytes), RocksDB as Kafka Streams
 * loads it, then {@code Runtime.halt} as {@code run}'s shutdown hook ends. Arguments: the app temp dir, and
 * {@code prepare} or {@code as-before} (without {@link NativeLibraries}).
 */
final class TempFilesChild {
  private TempFilesChild() {}

  public static void main(String[] args) {
    AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url",
        "mock://temp-files", AppConfig.TEMP_DIR_KEY, args[0], "output.dense.in.graph", "true"));
    if (args[1].equals("prepare")) {
      NativeLibraries.prepare(cfg.tempDir());
    }
    try (ModelBundle bundle = AnyupApp.loadBundle(cfg)) {
      if (!bundle.verify().passed()) {
        Runtime.getRuntime().halt(3);
      }
    }
    org.rocksdb.RocksDB.loadLibrary(); // what Kafka Streams' RocksDB store does
    new org.rocksdb.Options().close();
    Runtime.getRuntime().halt(0);
  }
}
