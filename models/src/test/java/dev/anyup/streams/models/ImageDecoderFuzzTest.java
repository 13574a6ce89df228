package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: every byte string given to the image decoder ends as a decoded image or a typed
 * {@link ImageRejectedException}: no other exception, no hang, no allocation beyond the limits.
 *
 * <p>{@link #decodeEndsAsAnImageOrATypedRejection} is a Jazzer coverage-guided fuzz test. In {@code mvn verify}
 * (regression mode) it runs its stored inputs only; {@link #mutatedSeedsEndAsAnImageOrATypedRejection} gives CI a
 * fixed budget of generated seeds (every format) and 3,000 deterministic mutations of them. The fuzzing run
 * (RELIABILITY.md) is
 * {@code JAZZER_FUZZ=1 mvn -B -pl models -am test -Dtest=ImageDecoderFuzzTest#decodeEndsAsAnImageOrATypedRejection
 * -Dsurefire.failIfNoSpecifiedTests=false}, stopping after {@code maxExecutions} inputs.
 */
class ImageDecoderFuzzTest {
  /** Small limits: a fuzzed header may declare anything, and the decoder must refuse it before allocating. */
  private static final ImageDecoder DECODER = ImageDecoder.create(new ImageLimits(1 << 20, 1_000_000, 4096, 4096));

  /**
   * The same limits, decoding for a 2×2 model input: the 24×16 JPEG seeds then take the 1/8-scale DCT path (issue 24),
   * so its entropy decoder meets every mutation too.
   */
  private static final ImageDecoder SCALED = ImageDecoder.create(new ImageLimits(1 << 20, 1_000_000, 4096, 4096),
      Preprocessor.create(2, ResizeMode.SHORTER_SIDE_CENTER_CROP, new float[] {0.5f, 0.5f, 0.5f},
          new float[] {0.5f, 0.5f, 0.5f}));

  private static final List<byte[]> SEEDS = seeds();

  /**
   * The fuzzer either gives raw bytes or edits one of the generated seed images (every format) — overwrites at
   * positions it chooses, an optional cut, appended bytes — so that it starts from real images without a binary seed
   * corpus in the repository.
   */
  @FuzzTest(maxExecutions = 20_000, maxDuration = "10m")
  void decodeEndsAsAnImageOrATypedRejection(FuzzedDataProvider data) {
    int pick = data.consumeInt(0, SEEDS.size());
    if (pick == SEEDS.size()) {
      decodeOrReject(data.consumeRemainingAsBytes());
      return;
    }
    byte[] b = SEEDS.get(pick).clone();
    for (int edits = data.consumeInt(0, 8); edits > 0; edits--) {
      b[data.consumeInt(0, b.length - 1)] = data.consumeByte();
    }
    if (data.consumeBoolean()) {
      b = java.util.Arrays.copyOf(b, data.consumeInt(0, b.length));
    }
    byte[] tail = data.consumeRemainingAsBytes();
    byte[] input = java.util.Arrays.copyOf(b, b.length + tail.length);
    System.arraycopy(tail, 0, input, b.length, tail.length);
    decodeOrReject(input);
  }

  @Test
  void mutatedSeedsEndAsAnImageOrATypedRejection() {
    List<byte[]> seeds = seeds();
    Random random = new Random(10);
    int decoded = 0;
    for (byte[] seed : seeds) {
      decoded += decodeOrReject(seed) ? 1 : 0;
    }
    assertTrue(decoded == seeds.size(), "every seed is a good image");
    for (int i = 0; i < 3000; i++) {
      decodeOrReject(mutate(seeds.get(random.nextInt(seeds.size())), random));
    }
  }

  @Test
  void mutatedSeedsEndAsAnImageOrATypedRejectionOnTheScaledJpegPath() {
    List<byte[]> seeds = seeds();
    int scaled = 0;
    for (byte[] seed : seeds) {
      scaled += SCALED.decode("seed", seed).reduction() == 8 ? 1 : 0;
    }
    assertTrue(scaled >= 2, "the baseline JPEG seeds take the scaled path, " + scaled + " did");
    Random random = new Random(24);
    for (int i = 0; i < 3000; i++) {
      decodeOrReject(SCALED, mutate(seeds.get(random.nextInt(seeds.size())), random));
    }
  }

  /** True for an image, false for a typed rejection; anything else propagates and fails the test. */
  static boolean decodeOrReject(byte[] data) {
    return decodeOrReject(DECODER, data);
  }

  private static boolean decodeOrReject(ImageDecoder decoder, byte[] data) {
    try {
      DecodedImage img = decoder.decode("fuzz", data);
      if (img.width() <= 0 || img.height() <= 0 || (long) img.width() * img.height() > 1_000_000
          || img.rgb().length != img.width() * img.height() * 3) {
        throw new AssertionError("decoded an impossible image " + img.width() + "x" + img.height());
      }
      return true;
    } catch (ImageRejectedException rejected) {
      return false;
    }
  }

  static List<byte[]> seeds() {
    List<byte[]> s = new ArrayList<>();
    BufferedImage img = TestImages.halves(24, 16, Color.RED, Color.BLUE, BufferedImage.TYPE_INT_RGB);
    for (String f : new String[] {"png", "jpg", "bmp", "gif"}) {
      s.add(TestImages.encode(img, f));
    }
    s.add(TestImages.jpeg(img, true));
    s.add(TestImages.withExifOrientation(TestImages.encode(img, "jpg"), 6, true));
    s.add(TestImages.encode(TestImages.paletteWithTransparency(12, 9), "png"));
    s.add(TestImages.twoFrameGif(10, 8, Color.GREEN, Color.BLACK));
    return s;
  }

  /** One to four random edits: bit flips, byte overwrites, truncation, duplicated or inserted runs. */
  static byte[] mutate(byte[] seed, Random r) {
    byte[] b = seed.clone();
    for (int edits = 1 + r.nextInt(4); edits > 0 && b.length > 0; edits--) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(5)) {
        case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 1 -> b[at] = (byte) (r.nextBoolean() ? 0xff : r.nextInt(256));
        case 2 -> b = java.util.Arrays.copyOf(b, at);
        case 3 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(64));
          byte[] n = new byte[b.length + len];
          System.arraycopy(b, 0, n, 0, at + len);
          System.arraycopy(b, at, n, at + len, b.length - at);
          b = n;
        }
        default -> {
          byte[] n = new byte[b.length + 4];
          System.arraycopy(b, 0, n, 0, at);
          n[at] = (byte) 0xff;
          n[at + 1] = (byte) 0xff;
          n[at + 2] = (byte) 0x7f;
          n[at + 3] = (byte) 0xff;
          System.arraycopy(b, at, n, at + 4, b.length - at);
          b = n;
        }
      }
    }
    return b;
  }
}
