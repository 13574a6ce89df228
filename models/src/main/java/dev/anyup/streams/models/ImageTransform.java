package dev.anyup.streams.models;

/**
 * The exact geometric transform {@link Preprocessor} applied, so every model pixel maps back to the source.
 *
 * <p>Coordinates are continuous with pixel {@code i} covering {@code [i, i+1)} (PyTorch {@code align_corners=False}).
 * The source image is resized by {@code scaleX, scaleY}; the region {@code (cropX, cropY, cropWidth, cropHeight)} of the
 * source (in source pixels) is what is visible in the target, and it lands in the target rectangle
 * {@code (padX, padY, contentWidth, contentHeight)} (target pixels). Crop mode: the crop is a centred sub-rectangle of
 * the source and the content fills the target. Letterbox: the crop is the whole source and the content is a centred
 * sub-rectangle of the target, the rest being padding. Squash: both are full.
 *
 * @param sourceWidth source image width
 * @param sourceHeight source image height
 * @param targetWidth model input width
 * @param targetHeight model input height
 * @param scaleX target pixels per source pixel along x
 * @param scaleY target pixels per source pixel along y
 * @param cropX left of the visible source region, source pixels
 * @param cropY top of the visible source region, source pixels
 * @param cropWidth width of the visible source region, source pixels
 * @param cropHeight height of the visible source region, source pixels
 * @param padX left of the content in the target, target pixels
 * @param padY top of the content in the target, target pixels
 * @param contentWidth width of the content in the target, target pixels
 * @param contentHeight height of the content in the target, target pixels
 * @param mode the resize mode
 */
public record ImageTransform(
    int sourceWidth, int sourceHeight, int targetWidth, int targetHeight,
    double scaleX, double scaleY,
    double cropX, double cropY, double cropWidth, double cropHeight,
    int padX, int padY, int contentWidth, int contentHeight,
    ResizeMode mode) {

  /**
   * Maps a continuous target coordinate to the continuous source coordinate; pixel centre {@code (i + 0.5, j + 0.5)}
   * maps to the source point that pixel samples. Returns {@code {x, y}}; may fall outside the source for padding.
   */
  public double[] toSource(double x, double y) {
    return new double[] {cropX + (x - padX) / scaleX, cropY + (y - padY) / scaleY};
  }

  /** Maps a continuous source coordinate to the target; the inverse of {@link #toSource}. */
  public double[] toTarget(double x, double y) {
    return new double[] {padX + (x - cropX) * scaleX, padY + (y - cropY) * scaleY};
  }

  /** Whether target pixel {@code (x, y)} (integer indices) shows image content rather than padding. */
  public boolean isContent(int x, int y) {
    return x >= padX && x < padX + contentWidth && y >= padY && y < padY + contentHeight;
  }
}
