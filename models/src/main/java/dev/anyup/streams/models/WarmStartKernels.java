package dev.anyup.streams.models;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last fitted {@link AnisotropicKernel} of each source, for Upsample Anything's warm start
 * ({@link UpsampleAnythingOptions.WarmStart}): bounded to {@code maxSources} entries, least recently used dropped
 * first; an entry is not handed out (and is dropped) for a frame captured more than {@code maxAge} from the frame it
 * was fitted to, or fitted on another grid or at another scale.
 *
 * <p>Thread-safe: stream threads fit frames of different sources at the same time. Only the map is guarded, never a
 * fit; kept kernels are never modified ({@link AnisotropicKernel#fit} copies its start), so a kernel handed out may be
 * used while another thread replaces the entry. Two frames of one source fitted at once (possible only when the source
 * is spread over partitions) both start from the kernel kept before them; the later capture time's result is kept.
 */
final class WarmStartKernels {

  /** A kept kernel: fitted to the frame captured at {@code captureMillis}, ending at {@code loss}. */
  record Entry(AnisotropicKernel kernel, float loss, long captureMillis) {}

  private final long maxAgeMillis;
  private final Map<String, Entry> entries;

  WarmStartKernels(int maxSources, long maxAgeMillis) {
    if (maxSources < 1) {
      throw new IllegalArgumentException("max sources must be positive, was " + maxSources);
    }
    if (maxAgeMillis < 1) {
      throw new IllegalArgumentException("max age must be positive, was " + maxAgeMillis + " ms");
    }
    this.maxAgeMillis = maxAgeMillis;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > maxSources;
      }
    };
  }

  /**
   * The kernel to start a frame of {@code source} captured at {@code captureMillis} on an {@code h × w} grid at
   * {@code scale} from, or {@code null} for a cold start (none kept, stale, or another grid: the entry is then
   * dropped).
   */
  synchronized Entry start(String source, long captureMillis, int h, int w, int scale) {
    Entry e = entries.get(source);
    if (e == null) {
      return null;
    }
    if (Math.abs(captureMillis - e.captureMillis()) > maxAgeMillis || e.kernel().h != h || e.kernel().w != w
        || e.kernel().scale != scale) {
      entries.remove(source);
      return null;
    }
    return e;
  }

  /** Keeps {@code fit}'s kernel for {@code source}, unless a frame captured later has been kept meanwhile. */
  synchronized void keep(String source, long captureMillis, AnisotropicKernel.Fit fit) {
    Entry old = entries.get(source);
    if (old != null && old.captureMillis() > captureMillis) {
      return;
    }
    entries.put(source, new Entry(fit.kernel(), fit.lastLoss(), captureMillis));
  }

  synchronized int size() {
    return entries.size();
  }
}
