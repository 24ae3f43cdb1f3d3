package io.datawarehouse.intelligence.search;

import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of the search topics (field names are the wire contract; see the plugin
 * README). Unknown fields are rejected with INVALID_ARGUMENT naming them; absent optional fields
 * are null and take the documented defaults.
 */
public final class SearchMessages {
  private SearchMessages() {}

  /** Topic: add, replace and delete documents of a collection. */
  public static final String INDEX = "intelligence.index";
  /** Topic: embeddings for texts. */
  public static final String EMBED = "intelligence.embed";
  /** Topic: top-k search over a collection. */
  public static final String SEARCH = "intelligence.search.semantic";
  /** Topic: the collections and their statistics (and optionally topic clusters). */
  public static final String COLLECTIONS = "intelligence.collections";

  /** A document on the wire. */
  public record Doc(String id, String text, Map<String, Object> metadata) {}

  /**
   * {@code intelligence.index} request: {@code documents} are added or replaced, then
   * {@code delete} ids removed, as one durable batch.
   */
  public record IndexRequest(String collection, List<Doc> documents, List<String> delete) {}

  /** {@code intelligence.index} reply. */
  public record IndexReply(String collection, int indexed, int deleted, int documents, String embeddingModel) {}

  /** {@code intelligence.embed} request. */
  public record EmbedRequest(List<String> texts) {}

  /** {@code intelligence.embed} reply: one vector per text, in order. */
  public record EmbedReply(String model, String mode, int dimension, List<float[]> vectors) {}

  /**
   * {@code intelligence.search.semantic} request. {@code query} or {@code vector}; {@code k}
   * default 10; {@code mode} dense (default), lexical or hybrid; {@code alpha} default 0.5;
   * {@code ef} default the collection's; {@code clusters} default 0 (no routing).
   */
  public record SearchRequest(String collection, String query, float[] vector, Integer k,
      Map<String, Object> filter, String mode, Double alpha, Integer ef, Integer clusters) {}

  /** One hit on the wire. */
  public record Hit(String id, double score, Double denseScore, Double lexicalScore, int cluster,
      Map<String, Object> metadata, String snippet) {}

  /** {@code intelligence.search.semantic} reply. */
  public record SearchReply(String collection, String mode, String embeddingModel, String embeddingMode,
      String plan, List<Hit> hits) {}

  /** {@code intelligence.collections} request; {@code clusters} true adds each one's topic clusters. */
  public record CollectionsRequest(Boolean clusters) {}

  /** One collection on the wire. */
  public record CollectionInfo(CollectionStats stats, List<TopicCluster> clusters) {}

  /** {@code intelligence.collections} reply. */
  public record CollectionsReply(List<CollectionInfo> collections) {}
}
