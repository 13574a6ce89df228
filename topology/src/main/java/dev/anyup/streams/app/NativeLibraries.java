package dev.anyup.streams.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the native libraries of ONNX Runtime and RocksDB, and the extracted default model bundle, in one directory ({@code app.temp.dir}) that is reused across
 * restarts, instead of the OS temp folder.
 *
 * <p>Why: both libraries extract themselves from their jar into {@code java.io.tmpdir} on every start
 * ({@code onnxruntime-java*}, 20 MB; {@code librocksdbjni*.so}, 14 MB) and rely on {@code deleteOnExit}, which never
 * runs when the process ends with {@code Runtime.halt} (as {@code run} and {@code serve} do after their graceful
 * shutdown) or is killed: issue 26 counted 347 MB after twenty restarts. Here each library is extracted once, into a
 * folder named after its jar (so an upgrade gets a new folder), written to a temporary name and moved into place, so
 * a crash mid-copy never leaves a truncated library to load. ONNX Runtime is pointed at it with
 * {@code onnxruntime.native.path}; RocksDB is loaded from it with {@code RocksDB.loadLibrary(paths)}, after which
 * Kafka Streams' own {@code loadLibrary()} finds it loaded. Must run before either library is first used.
 */
final class NativeLibraries {
  private static final Logger LOG = LoggerFactory.getLogger(NativeLibraries.class);
  private static final List<String> ORT_LIBRARIES = List.of("onnxruntime_providers_shared", "onnxruntime",
      "onnxruntime4j_jni", "onnxruntime_providers_cuda", "onnxruntime_providers_tensorrt");
  private static Path prepared;

  private NativeLibraries() {}

  /** Extracts (once) and points both libraries at {@code dir}; later calls with any directory do nothing. */
  static synchronized void prepare(Path dir) {
    if (prepared != null) {
      return;
    }
    try {
      Files.createDirectories(dir);
      if (System.getProperty("anyup.models.cache") == null) {
        // the default bundle's extracted models, reused like the libraries (DefaultBundle)
        System.setProperty("anyup.models.cache", dir.resolve("models").toString());
      }
      onnxRuntime(dir);
      rocksDb(dir);
    } catch (IOException e) {
      throw new StartupException("cannot prepare the native libraries in " + dir + " (app.temp.dir): " + e, e);
    }
    prepared = dir;
  }

  private static void onnxRuntime(Path dir) throws IOException {
    if (System.getProperty("onnxruntime.native.path") != null) {
      return; // the operator chose a folder
    }
    String platform = ortPlatform();
    List<String> copied = new ArrayList<>();
    Path target = null;
    for (String name : ORT_LIBRARIES) {
      String file = System.mapLibraryName(name);
      URL url = NativeLibraries.class.getClassLoader().getResource("ai/onnxruntime/native/" + platform + "/" + file);
      if (url == null) {
        continue;
      }
      if (target == null) {
        target = dir.resolve(jarName(url, "onnxruntime"));
      }
      extract(url, target.resolve(file));
      copied.add(file);
    }
    if (target != null) {
      System.setProperty("onnxruntime.native.path", target.toString());
      LOG.debug("ONNX Runtime native libraries {} in {}", copied, target);
      removeOrtTempDirectory();
    }
  }

  /**
   * ONNX Runtime creates an {@code onnxruntime-java*} folder in the OS temp folder on every start even when it loads
   * from {@code onnxruntime.native.path}, and only marks it {@code deleteOnExit}. With nothing extracted into it, it
   * is empty once the libraries are loaded: load them now (its package-private {@code OnnxRuntime.init()}, which does
   * not create the environment DJL must create) and remove that folder (its private {@code tempDirectory}). Done by
   * reflection because no API names the folder; if a later version renames either, the folder is left as before.
   */
  private static void removeOrtTempDirectory() {
    try {
      Class<?> ort = Class.forName("ai.onnxruntime.OnnxRuntime");
      java.lang.reflect.Method init = ort.getDeclaredMethod("init");
      init.setAccessible(true);
      init.invoke(null);
      java.lang.reflect.Field f = ort.getDeclaredField("tempDirectory");
      f.setAccessible(true);
      if (f.get(null) instanceof Path dir && dir.getFileName().toString().startsWith("onnxruntime-java")) {
        Files.deleteIfExists(dir); // empty: the libraries came from onnxruntime.native.path
      }
    } catch (ReflectiveOperationException | IOException | RuntimeException e) {
      LOG.debug("cannot remove ONNX Runtime's empty temp folder: {}", e.toString());
    }
  }

  private static void rocksDb(Path dir) throws IOException {
    String file = org.rocksdb.util.Environment.getJniLibraryFileName("rocksdb");
    URL url = NativeLibraries.class.getClassLoader().getResource(file);
    if (url == null) {
      return; // not bundled for this platform: RocksDB's own loader reports it
    }
    Path target = dir.resolve(jarName(url, "rocksdbjni"));
    // the name RocksDB.loadLibrary(paths) looks for in each path (librocksdbjnijni-linux64.so: "jni" twice, theirs)
    extract(url, target.resolve(org.rocksdb.util.Environment.getJniLibraryFileName("rocksdbjni")));
    org.rocksdb.RocksDB.loadLibrary(List.of(target.toString()));
    LOG.debug("RocksDB native library {} in {}", file, target);
  }

  /** Copies {@code url} to {@code to} unless a file of the same length is there. */
  private static void extract(URL url, Path to) throws IOException {
    URLConnection c = url.openConnection();
    c.setUseCaches(false);
    long length = c.getContentLengthLong();
    if (Files.isRegularFile(to) && length >= 0 && Files.size(to) == length) {
      return;
    }
    Files.createDirectories(to.getParent());
    Path part = Files.createTempFile(to.getParent(), to.getFileName().toString(), ".part");
    try (InputStream in = c.getInputStream()) {
      Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /** The jar's file name without {@code .jar} (its version says which build), or {@code fallback}. */
  private static String jarName(URL url, String fallback) {
    try {
      URLConnection c = url.openConnection();
      if (c instanceof JarURLConnection j) {
        String name = Path.of(j.getJarFileURL().toURI()).getFileName().toString();
        return name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      LOG.debug("cannot tell the jar of {}: {}", url, e.toString());
    }
    return fallback;
  }

  /** ONNX Runtime's name for this platform's resource folder ({@code linux-x64}, {@code osx-aarch64}, ...). */
  private static String ortPlatform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("mac") ? "osx" : os.contains("win") ? "win" : "linux";
    String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : arch;
    return o + "-" + a;
  }

  /** Whether {@link #prepare} ran (tests). */
  static synchronized Path prepared() {
    return prepared;
  }
}
