/**
 * DJL / ONNX Runtime implementation of {@link dev.anyup.streams.models.ModelBundle}. Internal: only
 * {@link dev.anyup.streams.models.onnx.OnnxModelBundle} is public, so that {@code ModelBundle.load} can reach it.
 * DJL runs offline ({@code ai.djl.offline=true}); graph signatures are read with a plain ORT session at load.
 */
package dev.anyup.streams.models.onnx;
