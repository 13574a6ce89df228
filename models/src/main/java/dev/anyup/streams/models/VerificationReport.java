package dev.anyup.streams.models;

import java.util.List;

/**
 * The outcome of {@link ModelBundle#verify()}: the bundle's reference inputs run again and compared with its reference outputs.
 *
 * @param bundle bundle name and version
 * @param checks one entry per compared tensor
 */
public record VerificationReport(String bundle, List<Check> checks) {

  public VerificationReport {
    checks = List.copyOf(checks);
  }

  /** Whether every check is within tolerance (vacuously true when the bundle has no references). */
  public boolean passed() {
    return checks.stream().allMatch(Check::passed);
  }

  /**
   * One compared tensor.
   *
   * @param inputSize the profile
   * @param tensor the output name ({@code patch_features}, {@code cls}, {@code upsampled})
   * @param maxAbsError the largest absolute difference found
   * @param atol the tolerance from the manifest
   */
  public record Check(int inputSize, String tensor, double maxAbsError, double atol) {
    public boolean passed() {
      return maxAbsError <= atol;
    }

    @Override
    public String toString() {
      return String.format("%d/%s: max |err| %.3g (atol %.3g) %s", inputSize, tensor, maxAbsError, atol,
          passed() ? "ok" : "FAILED");
    }
  }
}
