package dev.anyup.streams.models;

/** How {@link Preprocessor} fits an image into the model's square input. */
public enum ResizeMode {
  /** Resize so the shorter side equals the input size, then crop the centre square (the default; torchvision's Resize+CenterCrop). */
  SHORTER_SIDE_CENTER_CROP,
  /** Resize so the longer side equals the input size and pad the rest with the mean colour (zero after normalisation). */
  LETTERBOX,
  /** Resize width and height independently to the input size (distorts the aspect ratio). */
  SQUASH
}
