package dev.anyup.streams.models.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file a {@link LinearProbe} is kept in: one JSON document, written by the export tool's {@code convert-probe}
 * (from a PyTorch {@code Conv2d(C, K, 1)} / {@code Linear(C, K)} state dict) and by {@code fit-probe}.
 *
 * <pre>
 * {
 *   "format": "anyup-streams-probe", "format_version": 1,
 *   "name": "cocostuff27", "version": "1",
 *   "channels": 384,
 *   "classes": ["background", "person", ...],          // K names, label i = classes[i]
 *   "weights": [[w_00, ..., w_0C], ..., [w_K0, ...]],  // K rows of C numbers
 *   "bias": [b_0, ..., b_K],
 *   "encoder_sha256": "..."                            // optional: the encoder the probe was trained on
 * }
 * </pre>
 * Numbers are read as doubles and rounded to float, so a float32 written with enough digits (Python's {@code repr} of
 * the float32 value) round-trips exactly.
 */
public final class ProbeFile {
  public static final String FORMAT = "anyup-streams-probe";
  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A probe and the encoder hash it was trained on ({@code null} when the file does not say). */
  public record Loaded(LinearProbe probe, String encoderSha256) {}

  private ProbeFile() {}

  /**
   * Reads a probe file.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  public static Loaded read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("probe file " + file + " is not readable JSON: " + e.getMessage(), e);
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IOException("probe file " + file + ": " + e.getMessage(), e);
    }
  }

  static Loaded parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException("\"format\" must be \"" + FORMAT + "\" but was " + root.get("format"));
    }
    if (root.path("format_version").asInt(-1) != FORMAT_VERSION) {
      throw new IllegalArgumentException("\"format_version\" " + root.get("format_version") + " is not supported ("
          + FORMAT_VERSION + " is)");
    }
    int channels = root.path("channels").asInt(-1);
    List<String> classes = new ArrayList<>();
    for (JsonNode n : array(root, "classes")) {
      classes.add(n.asText());
    }
    JsonNode rows = array(root, "weights");
    if (rows.size() != classes.size()) {
      throw new IllegalArgumentException("\"weights\" has " + rows.size() + " rows for " + classes.size()
          + " classes");
    }
    float[] w = new float[classes.size() * Math.max(channels, 0)];
    for (int k = 0; k < rows.size(); k++) {
      JsonNode row = rows.get(k);
      if (!row.isArray() || row.size() != channels) {
        throw new IllegalArgumentException("\"weights\" row " + k + " must hold " + channels + " numbers");
      }
      for (int c = 0; c < channels; c++) {
        w[k * channels + c] = number(row.get(c), "weights[" + k + "][" + c + "]");
      }
    }
    JsonNode b = array(root, "bias");
    float[] bias = new float[b.size()];
    for (int k = 0; k < bias.length; k++) {
      bias[k] = number(b.get(k), "bias[" + k + "]");
    }
    String sha = root.hasNonNull("encoder_sha256") ? root.get("encoder_sha256").asText() : null;
    LinearProbe probe = new LinearProbe(root.path("name").asText(null), root.path("version").asText(null), classes,
        channels, w, bias);
    return new Loaded(probe, sha);
  }

  /** Writes {@code probe} to {@code file} (replacing it). */
  public static void write(Path file, LinearProbe probe, String encoderSha256) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("format_version", FORMAT_VERSION);
    root.put("name", probe.name());
    root.put("version", probe.version());
    root.put("channels", probe.channels());
    ArrayNode classes = root.putArray("classes");
    probe.classNames().forEach(classes::add);
    ArrayNode weights = root.putArray("weights");
    float[] w = probe.weights();
    for (int k = 0; k < probe.classes(); k++) {
      ArrayNode row = weights.addArray();
      for (int c = 0; c < probe.channels(); c++) {
        row.add(w[k * probe.channels() + c]);
      }
    }
    ArrayNode bias = root.putArray("bias");
    for (float v : probe.bias()) {
      bias.add(v);
    }
    if (encoderSha256 != null) {
      root.put("encoder_sha256", encoderSha256);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static JsonNode array(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || !n.isArray()) {
      throw new IllegalArgumentException("\"" + field + "\" must be an array");
    }
    return n;
  }

  private static float number(JsonNode n, String where) {
    if (n == null || !n.isNumber()) {
      throw new IllegalArgumentException(where + " must be a number but was " + n);
    }
    return (float) n.doubleValue();
  }
}
