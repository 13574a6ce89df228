package dev.anyup.streams.app;

import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.UpsampleAnythingReference;
import dev.anyup.streams.models.VerificationReport;
import dev.anyup.streams.topology.AppConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verify-bundle}: loads a bundle, runs its reference tensors, prints the report; exit 1 when it fails. */
@Command(name = "verify-bundle", mixinStandardHelpOptions = true,
    description = "Load a model bundle and check it against its reference outputs.")
final class VerifyBundleCommand implements Callable<Integer> {
  @Option(names = "--bundle", defaultValue = "default", description = "bundle folder, or 'default' (the shipped one)")
  String bundle;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda:N")
  String device;

  @Option(names = "--upsampler", defaultValue = "onnx", description = "onnx, bilinear, jbu, nearest or "
      + "upsample-anything (checked against the library's reference for the bundle's reference inputs, where one is "
      + "committed: the default bundle's)")
  String upsampler;

  @Override
  public Integer call() {
    AppConfig.Model model = new AppConfig.Model(bundle, device, 224, upsampler, 0, false);
    try (ModelBundle b = AnyupApp.loadBundle(model)) {
      VerificationReport report = b.verify();
      System.out.println("bundle " + report.bundle() + " (encoder " + b.encoderRef() + ", upsampler "
          + b.upsamplerRef() + ")");
      report.checks().forEach(c -> System.out.println("  " + c));
      if (upsampler.equals("upsample-anything")
          && report.checks().stream().noneMatch(c -> c.tensor().equals(UpsampleAnythingReference.TENSOR))) {
        System.out.println("  " + UpsampleAnythingReference.TENSOR + ": no reference committed for this bundle's "
            + "reference inputs (the library has the default bundle's); not checked");
      }
      System.out.println(report.passed() ? "OK" : "FAILED");
      return report.passed() ? 0 : 1;
    }
  }
}
