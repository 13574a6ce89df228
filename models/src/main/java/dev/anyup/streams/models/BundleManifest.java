package dev.anyup.streams.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@code manifest.json} of a model bundle (format version 1; see DESIGN.md "Model bundle").
 * Field names follow the JSON (snake_case) through {@link JsonProperty}.
 */
public record BundleManifest(
    @JsonProperty("format_version") int formatVersion,
    @JsonProperty("name") String name,
    @JsonProperty("version") String version,
    @JsonProperty("description") String description,
    @JsonProperty("preprocess") Preprocess preprocess,
    @JsonProperty("encoder") Encoder encoder,
    @JsonProperty("upsampler") Upsampler upsampler,
    @JsonProperty("projections") List<ProjectionSpec> projections,
    @JsonProperty("references") List<Reference> references) {

  public BundleManifest {
    projections = projections == null ? List.of() : List.copyOf(projections);
    references = references == null ? List.of() : List.copyOf(references);
  }

  /** Normalisation: {@code x = (rgb/255 - mean) / std} per channel. */
  public record Preprocess(
      @JsonProperty("mean") float[] mean,
      @JsonProperty("std") float[] std,
      @JsonProperty("interpolation") String interpolation) {}

  /** The encoder: one graph per input size. */
  public record Encoder(
      @JsonProperty("name") String name,
      @JsonProperty("version") String version,
      @JsonProperty("licence") String licence,
      @JsonProperty("patch_size") int patchSize,
      @JsonProperty("channels") int channels,
      @JsonProperty("has_cls") boolean hasCls,
      @JsonProperty("inputs") Map<String, String> inputs,
      @JsonProperty("outputs") Map<String, String> outputs,
      @JsonProperty("profiles") List<EncoderProfile> profiles) {}

  /** One encoder graph. */
  public record EncoderProfile(
      @JsonProperty("input_size") int inputSize,
      @JsonProperty("file") String file,
      @JsonProperty("sha256") String sha256) {}

  /** The ONNX upsampler (AnyUp contract): one graph per input size. May be absent from a bundle. */
  public record Upsampler(
      @JsonProperty("name") String name,
      @JsonProperty("version") String version,
      @JsonProperty("licence") String licence,
      @JsonProperty("kind") String kind,
      @JsonProperty("inputs") Map<String, String> inputs,
      @JsonProperty("outputs") Map<String, String> outputs,
      @JsonProperty("profiles") List<UpsamplerProfile> profiles) {}

  /** One upsampler graph. */
  public record UpsamplerProfile(
      @JsonProperty("input_size") int inputSize,
      @JsonProperty("feature_size") int featureSize,
      @JsonProperty("output_size") int outputSize,
      @JsonProperty("file") String file,
      @JsonProperty("sha256") String sha256) {}

  /** A PCA basis: {@code file} holds {@code [out_channels, in_channels]}, {@code mean_file} {@code [in_channels]}. */
  public record ProjectionSpec(
      @JsonProperty("id") String id,
      @JsonProperty("in_channels") int inChannels,
      @JsonProperty("out_channels") int outChannels,
      @JsonProperty("file") String file,
      @JsonProperty("mean_file") String meanFile,
      @JsonProperty("sha256") String sha256) {}

  /** Reference tensors for {@link ModelBundle#verify()}. */
  public record Reference(
      @JsonProperty("input_size") int inputSize,
      @JsonProperty("image") String image,
      @JsonProperty("patch_features") String patchFeatures,
      @JsonProperty("cls") String cls,
      @JsonProperty("upsampled") String upsampled,
      @JsonProperty("atol") double atol) {}
}
