package dev.anyup.streams.retrieval;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Test data builder: an {@link ImageEmbedding} with the given vector and a fixed stand-in lineage. */
public final class RetrievalTopologyTestData {
  private RetrievalTopologyTestData() {}

  public static ImageEmbedding embedding(String id, String source, Instant capture, float... v) {
    ModelRef ref = ModelRef.newBuilder().setName("enc").setVersion("1").setSha256("00").build();
    ModelLineage lineage = ModelLineage.newBuilder().setEncoderModel(ref).setUpsamplerModel(ref)
        .setBundleName("b").setBundleVersion("1").build();
    List<Float> vec = new ArrayList<>();
    for (float x : v) {
      vec.add(x);
    }
    return ImageEmbedding.newBuilder().setImageId(id).setSourceId(source).setCaptureTimestamp(capture)
        .setProcessedTimestamp(capture).setLineage(lineage).setDimension(v.length).setVector(vec)
        .setVectorKind("cls").setRegionGrid(0).setRegions(List.of()).build();
  }
}
