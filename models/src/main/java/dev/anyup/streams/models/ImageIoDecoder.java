package dev.anyup.streams.models;

/** ImageIO + TwelveMonkeys implementation of {@link ImageDecoder}. */
final class ImageIoDecoder implements ImageDecoder {

  private final ImageLimits limits;

  ImageIoDecoder(ImageLimits limits) {
    if (limits == null) {
      throw new IllegalArgumentException("limits must not be null");
    }
    this.limits = limits;
  }

  @Override
  public DecodedImage decode(String imageId, byte[] encoded) {
    throw new UnsupportedOperationException("not yet implemented " + limits);
  }
}
