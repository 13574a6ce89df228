import ai.onnxruntime.*;
import java.nio.*;
import java.nio.file.*;
import java.util.*;

/**
 * Test helper (run by test_default_bundle.py when java and the ORT jar are present): runs a bundle's encoder (and
 * upsampler) graphs for one profile on ONNX Runtime at batch 1 and 3 and prints the max |diff| against the bundle's
 * reference tensors. Usage: java -cp onnxruntime-1.21.1.jar OrtCheck.java BUNDLE_DIR SIZE
 */
public class OrtCheck {
  static float[] npy(Path p, int[][] shapeOut) throws Exception {
    byte[] b = Files.readAllBytes(p);
    int hl = (b[8] & 0xff) | ((b[9] & 0xff) << 8);
    String h = new String(b, 10, hl, "latin1");
    String sh = h.substring(h.indexOf("'shape': (") + 10); sh = sh.substring(0, sh.indexOf(')'));
    int[] shape = Arrays.stream(sh.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    shapeOut[0] = shape;
    ByteBuffer bb = ByteBuffer.wrap(b, 10 + hl, b.length - 10 - hl).order(ByteOrder.LITTLE_ENDIAN);
    boolean half = h.contains("<f2");
    int n = 1; for (int s : shape) n *= s;
    float[] f = new float[n];
    for (int i = 0; i < n; i++) f[i] = half ? h2f(bb.getShort()) : bb.getFloat();
    return f;
  }
  static float h2f(short hs) { int h = hs & 0xffff; int s = (h >>> 15) & 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff; float v = e == 0 ? m * (float) Math.pow(2, -24) : e == 31 ? (m == 0 ? Float.POSITIVE_INFINITY : Float.NaN) : (float) ((1 + m / 1024.0) * Math.pow(2, e - 15)); return s == 1 ? -v : v; }
  static long[] L(int[] s) { return Arrays.stream(s).asLongStream().toArray(); }
  static float[] flat(OnnxTensor t) { FloatBuffer fb = t.getFloatBuffer(); float[] a = new float[fb.remaining()]; fb.get(a); return a; }
  static float maxdiff(float[] a, float[] b) { if (a.length != b.length) return Float.POSITIVE_INFINITY; float m = 0; for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; }

  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args[0]); int s = Integer.parseInt(args.length > 1 ? args[1] : "224");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int[][] sh = new int[1][];
    float[] img = npy(dir.resolve("ref/ref_" + s + "_image.npy"), sh); int[] ish = sh[0];
    float[] pf = npy(dir.resolve("ref/ref_" + s + "_patch_features.npy"), sh); int[] fsh = sh[0];
    boolean hasCls = Files.exists(dir.resolve("ref/ref_" + s + "_cls.npy"));
    boolean hasUp = Files.exists(dir.resolve("upsampler_" + s + ".onnx"));
    float[] cls = hasCls ? npy(dir.resolve("ref/ref_" + s + "_cls.npy"), sh) : new float[0];
    float[] up = hasUp ? npy(dir.resolve("ref/ref_" + s + "_upsampled.npy"), sh) : new float[0];
    try (OrtSession enc = env.createSession(dir.resolve("encoder_" + s + ".onnx").toString(), new OrtSession.SessionOptions());
         OrtSession ups = env.createSession(dir.resolve((hasUp ? "upsampler_" : "encoder_") + s + ".onnx").toString(), new OrtSession.SessionOptions())) {
      System.out.println("enc in " + enc.getInputInfo() + " out " + enc.getOutputInfo());
      if (hasUp) System.out.println("up in " + ups.getInputInfo() + " out " + ups.getOutputInfo());
      for (int batch : new int[] {1, 3}) {
        float[] bimg = new float[img.length * batch];
        for (int k = 0; k < batch; k++) System.arraycopy(img, 0, bimg, k * img.length, img.length);
        long[] bs = L(ish); bs[0] = batch;
        long t0 = System.nanoTime();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(bimg), bs);
             OrtSession.Result r = enc.run(Map.of("image", x))) {
          float[] gpf = flat((OnnxTensor) r.get("patch_features").get());
          float[] gcls = hasCls ? flat((OnnxTensor) r.get("cls").get()) : new float[0];
          long t1 = System.nanoTime();
          long[] fs = L(fsh); fs[0] = batch;
          try (OnnxTensor f = OnnxTensor.createTensor(env, FloatBuffer.wrap(gpf), fs);
               OrtSession.Result r2 = hasUp ? ups.run(Map.of("image", x, "features", f)) : null) {
            float[] gup = hasUp ? flat((OnnxTensor) r2.get("upsampled").get()) : new float[0];
            long t2 = System.nanoTime();
            float dpf = 0, dcls = 0, dup = 0;
            for (int k = 0; k < batch; k++) {
              dpf = Math.max(dpf, maxdiff(Arrays.copyOfRange(gpf, k * pf.length, (k + 1) * pf.length), pf));
              dcls = Math.max(dcls, maxdiff(Arrays.copyOfRange(gcls, k * cls.length, (k + 1) * cls.length), cls));
              if (hasUp) dup = Math.max(dup, maxdiff(Arrays.copyOfRange(gup, k * up.length, (k + 1) * up.length), up));
            }
            System.out.printf("batch %d: max|diff| patch %.3g cls %.3g upsampled %.3g; enc %.1f ms up %.1f ms%n", batch, dpf, dcls, dup, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
          }
        }
      }
    }
  }
}
