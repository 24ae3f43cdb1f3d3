package io.datawarehouse.intelligence.search;

import io.datawarehouse.intelligence.embedding.EmbeddingOptions;
import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.embedding.EmbeddingProviderFactory;
import io.datawarehouse.intelligence.embedding.EmbeddingProviders;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Semantic search as a service: the collections under {@code <dataDir>/collections}, the
 * embedding provider they share, and the bus handlers of {@code intelligence.index},
 * {@code intelligence.embed}, {@code intelligence.search.semantic} and
 * {@code intelligence.collections}. The plugin creates one in {@code start} and closes it in
 * {@code stop}.
 *
 * <p>Thread-safe. Handlers run on the bus's virtual threads; collections serialise their own
 * writers.
 */
public final class SemanticSearchService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SemanticSearchService.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  private final Path root;
  /** Creates the provider at its first use (loading a model takes seconds and hundreds of MB). */
  private final java.util.function.Supplier<EmbeddingProvider> embeddingFactory;
  private EmbeddingProvider embeddings;
  /** Whether the collections under {@link #root} were opened (at the first request that needs them). */
  private boolean opened;
  private final int m;
  private final int efConstruction;
  private final int efSearch;
  private final int snapshotEvery;
  private final Map<String, SemanticClusterIndex> collections = new TreeMap<>();
  private final Map<String, String> broken = new TreeMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** The {@code embedding} configuration section. */
  public static ConfigDef embeddingConfig() {
    return ConfigDef.builder()
        .string("provider", "auto", "auto (ONNX when a model is configured or bundled, else hash), hash or onnx")
        .integer("hashDimension", 384, Validators.range(8, 8192), "dimension of hash embeddings")
        .string("onnxModel", null, "path of an ONNX sentence-embedding model; default: the bundled all-MiniLM-L6-v2")
        .string("onnxTokenizer", null, "path of the model's tokenizer.json (required with onnxModel)")
        .integer("maxTokens", 256, Validators.range(8, 512), "tokens per text fed to the model")
        .integer("batchSize", 32, Validators.range(1, 1024), "texts per model call")
        .build();
  }

  /** The {@code search} configuration section. */
  public static ConfigDef searchConfig() {
    return ConfigDef.builder()
        .integer("m", 16, Validators.range(2, 512), "HNSW links per node and layer (M) for new collections")
        .integer("efConstruction", 100, Validators.range(2, 100_000), "HNSW candidate list size while inserting")
        .integer("efSearch", 64, Validators.range(1, 100_000), "default HNSW candidate list size of a search")
        .integer("snapshotEvery", 10_000, Validators.range(1, 100_000_000),
            "changes between index snapshots (the document log is durable regardless)")
        .build();
  }

  /** Embedding options from the {@code embedding} section. */
  public static EmbeddingOptions embeddingOptions(Config c) {
    String model = c.getString("onnxModel");
    String tok = c.getString("onnxTokenizer");
    return new EmbeddingOptions(c.getString("provider"), c.getInt("hashDimension"),
        model == null ? null : Path.of(model), tok == null ? null : Path.of(tok), c.getInt("maxTokens"),
        c.getInt("batchSize"));
  }

  /**
   * A service over the collections under {@code dataDir/collections}, with {@code embeddings}. A
   * collection that cannot be opened is reported in health (DEGRADED) and refused in requests; the
   * others serve.
   */
  public SemanticSearchService(Path dataDir, EmbeddingProvider embeddings, Config search) {
    this(dataDir, () -> embeddings, search);
  }

  /**
   * As above, with the provider created by {@code embeddings} at its first use. The collections
   * are opened at the first request that needs them (index, search, collections, health), so that
   * a process that only uses the memory store or schema extraction never loads a model.
   */
  public SemanticSearchService(Path dataDir, java.util.function.Supplier<EmbeddingProvider> embeddings, Config search) {
    this.root = dataDir.resolve("collections");
    this.embeddingFactory = embeddings;
    this.m = search.getInt("m");
    this.efConstruction = Math.max(search.getInt("efConstruction"), m);
    this.efSearch = search.getInt("efSearch");
    this.snapshotEvery = search.getInt("snapshotEvery");
  }

  /** The provider, created on the first call. */
  private synchronized EmbeddingProvider provider() {
    if (embeddings == null) {
      embeddings = embeddingFactory.get();
    }
    return embeddings;
  }

  /** Opens every collection under {@link #root}, once. */
  private synchronized void openCollections() {
    if (opened) {
      return;
    }
    try {
      Files.createDirectories(root);
      try (var dirs = Files.list(root)) {
        for (Path d : (Iterable<Path>) dirs::iterator) {
          String name = d.getFileName().toString();
          if (Files.isDirectory(d) && NAME.matcher(name).matches() && !collections.containsKey(name)
              && !broken.containsKey(name)) {
            try {
              collections.put(name, open(name));
            } catch (DwException e) {
              LOG.warn("collection {} cannot be opened: {}", name, e.getMessage());
              broken.put(name, e.getMessage());
            }
          }
        }
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot list collections in " + root + ": " + e.getMessage(), e);
    }
    opened = true; // not before: a listing that failed is tried again at the next request
  }

  /**
   * Creates the service with the provider chosen by {@code embeddingSection}: an unknown provider
   * name fails here; the provider itself (a model to load) is created at its first use.
   */
  public static SemanticSearchService open(Path dataDir, Config embeddingSection, Config searchSection) {
    EmbeddingOptions options = embeddingOptions(embeddingSection);
    EmbeddingProviderFactory factory = EmbeddingProviders.factoryFor(options);
    return new SemanticSearchService(dataDir, () -> factory.create(options), searchSection);
  }

  private SemanticClusterIndex open(String name) {
    return SemanticClusterIndex.open(name, root.resolve(name), provider(), m, efConstruction, efSearch, snapshotEvery);
  }

  /** The embedding provider (created now if this is its first use). */
  public EmbeddingProvider embeddings() {
    return provider();
  }

  /** The collection {@code name}; created when {@code create} and it does not exist. */
  public synchronized SemanticClusterIndex collection(String name, boolean create) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw DwException.invalidArgument("collection name must match " + NAME.pattern() + ", was '" + name + "'");
    }
    openCollections();
    String problem = broken.get(name);
    if (problem != null) {
      throw DwException.of(io.datawarehouse.sdk.ErrorCode.FAILED_PRECONDITION, "collection '" + name
          + "' could not be opened: " + problem);
    }
    SemanticClusterIndex c = collections.get(name);
    if (c == null) {
      if (!create) {
        throw DwException.notFound("no collection '" + name + "'; existing: " + collections.keySet());
      }
      c = open(name);
      collections.put(name, c);
    }
    return c;
  }

  /** Every open collection's statistics. */
  public synchronized List<CollectionStats> list() {
    openCollections();
    List<CollectionStats> out = new ArrayList<>();
    for (SemanticClusterIndex c : collections.values()) {
      out.add(c.stats());
    }
    return out;
  }

  // ------------------------------------------------------------------ request handling

  /** Handles an {@code intelligence.index} request. */
  public SearchMessages.IndexReply index(SearchMessages.IndexRequest r) {
    List<SearchDocument> docs = new ArrayList<>();
    if (r.documents() != null) {
      for (SearchMessages.Doc d : r.documents()) {
        if (d == null) {
          throw DwException.invalidArgument("documents contains null");
        }
        docs.add(new SearchDocument(d.id(), d.text(), d.metadata()));
      }
    }
    List<String> delete = r.delete() == null ? List.of() : r.delete();
    if (docs.isEmpty() && delete.isEmpty()) {
      throw DwException.invalidArgument("an index request needs documents or delete ids");
    }
    SemanticClusterIndex c = collection(r.collection(), !docs.isEmpty());
    int deleted = c.apply(docs, delete);
    return new SearchMessages.IndexReply(c.name(), docs.size(), deleted, c.stats().documents(), c.embeddingModel());
  }

  /** Handles an {@code intelligence.embed} request. */
  public SearchMessages.EmbedReply embed(SearchMessages.EmbedRequest r) {
    if (r.texts() == null || r.texts().isEmpty()) {
      throw DwException.invalidArgument("an embed request needs texts");
    }
    EmbeddingProvider p = provider();
    return new SearchMessages.EmbedReply(p.modelId(), p.name(), p.dimension(), p.embedBatch(r.texts()));
  }

  /** Handles an {@code intelligence.search.semantic} request. */
  public SearchMessages.SearchReply search(SearchMessages.SearchRequest r) {
    SemanticClusterIndex c = collection(r.collection(), false);
    SearchQuery q = new SearchQuery(r.query(), r.vector(), r.k() == null ? 10 : r.k(), r.filter(),
        SearchMode.parse(r.mode()), r.alpha() == null ? 0.5 : r.alpha(), r.ef() == null ? 0 : r.ef(),
        r.clusters() == null ? 0 : r.clusters());
    SearchResult res = c.search(q);
    List<SearchMessages.Hit> hits = new ArrayList<>();
    for (SearchHit h : res.hits()) {
      hits.add(new SearchMessages.Hit(h.id(), h.score(), h.denseScore(), h.lexicalScore(), h.cluster(), h.metadata(),
          h.snippet()));
    }
    return new SearchMessages.SearchReply(res.collection(), res.mode().wireName(), res.embeddingModel(),
        provider().name(), res.plan(), hits);
  }

  /** Handles an {@code intelligence.collections} request. */
  public SearchMessages.CollectionsReply collections(SearchMessages.CollectionsRequest r) {
    boolean withClusters = r != null && Boolean.TRUE.equals(r.clusters());
    List<SemanticClusterIndex> all;
    synchronized (this) {
      openCollections();
      all = new ArrayList<>(collections.values());
    }
    List<SearchMessages.CollectionInfo> out = new ArrayList<>();
    for (SemanticClusterIndex c : all) {
      out.add(new SearchMessages.CollectionInfo(c.stats(), withClusters ? c.clusters() : null));
    }
    return new SearchMessages.CollectionsReply(out);
  }

  /** Subscribes the four request topics on {@code bus} (queue group "intelligence"). */
  public void subscribe(MessageBus bus) {
    var group = io.datawarehouse.sdk.bus.SubscribeOptions.group("intelligence");
    subscriptions.add(bus.subscribe(SearchMessages.INDEX, group,
        MessageHandler.json(SearchMessages.IndexRequest.class, this::index)));
    subscriptions.add(bus.subscribe(SearchMessages.EMBED, group,
        MessageHandler.json(SearchMessages.EmbedRequest.class, this::embed)));
    subscriptions.add(bus.subscribe(SearchMessages.SEARCH, group,
        MessageHandler.json(SearchMessages.SearchRequest.class, this::search)));
    subscriptions.add(bus.subscribe(SearchMessages.COLLECTIONS, group, msg -> {
      SearchMessages.CollectionsRequest req = msg.size() == 0 ? null : msg.json(SearchMessages.CollectionsRequest.class);
      return Message.replyTo(msg).json(collections(req)).build();
    }));
  }

  /** The embedding mode and the collections, DEGRADED when one could not be opened. */
  public synchronized Health health() {
    if (!opened) { // a health check does not load a model: the first request opens the collections
      return Health.up("collections not opened yet (the first index, search or collections request opens them)")
          .withComponent("embeddings", Health.up("not loaded yet"));
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("collections", collections.size());
    Health embeddingHealth;
    try {
      embeddingHealth = provider().health();
    } catch (DwException e) {
      embeddingHealth = Health.down(e.getMessage());
    }
    Health h = Health.up(collections.size() + " collections").withDetails(details)
        .withComponent("embeddings", embeddingHealth);
    for (Map.Entry<String, String> b : broken.entrySet()) {
      h = h.withComponent("collection " + b.getKey(), Health.degraded(b.getValue()));
    }
    return h;
  }

  /** Unsubscribes, flushes and closes every collection, then the provider. */
  @Override
  public synchronized void close() {
    for (Subscription s : subscriptions) {
      s.unsubscribe();
    }
    subscriptions.clear();
    RuntimeException first = null;
    for (SemanticClusterIndex c : collections.values()) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.warn("closing collection {}: {}", c.name(), e.getMessage());
        first = first == null ? e : first;
      }
    }
    collections.clear();
    if (embeddings != null) {
      embeddings.close();
    }
    if (first != null) {
      throw first;
    }
  }
}
