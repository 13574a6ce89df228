package dev.anyup.streams.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/** The sample images shipped on the classpath under {@code samples/} (file name → bytes, sorted by name). */
final class SampleImages {
  private static final String DIR = "samples/";
  private static final String ANCHOR = DIR + "SOURCES.md";

  private SampleImages() {}

  static Map<String, byte[]> load() {
    URL anchor = SampleImages.class.getClassLoader().getResource(ANCHOR);
    if (anchor == null) {
      throw new IllegalStateException("no " + ANCHOR + " on the classpath: the sample images are missing");
    }
    List<String> names = new ArrayList<>();
    try {
      if (anchor.getProtocol().equals("jar")) {
        JarURLConnection c = (JarURLConnection) anchor.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
          for (JarEntry e : Collections.list(jar.entries())) {
            String n = e.getName();
            if (n.startsWith(DIR) && !e.isDirectory() && n.indexOf('/', DIR.length()) < 0) {
              names.add(n.substring(DIR.length()));
            }
          }
        }
      } else {
        Path dir = Path.of(anchor.toURI()).getParent();
        try (var s = Files.list(dir)) {
          s.forEach(p -> names.add(p.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the sample images", e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot list the sample images at " + anchor, e);
    }
    Collections.sort(names);
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String n : names) {
      if (ImageFiles.contentType(n).startsWith("image/")) {
        try (InputStream in = SampleImages.class.getClassLoader().getResourceAsStream(DIR + n)) {
          out.put(n, in.readAllBytes());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read sample " + n, e);
        }
      }
    }
    return out;
  }
}
