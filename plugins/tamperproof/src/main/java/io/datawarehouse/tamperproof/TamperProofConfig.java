package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tamperproof plugin's configuration section ({@code tamperproof:} in {@code dw.yaml}), as one
 * immutable, validated object. {@link #DEFINITION} declares every key with its type, default and
 * documentation; {@link #from(Config)} reads a parsed section.
 *
 * <pre>
 * tamperproof:
 *   defaultMode: governance          # compliance | governance, when a write names none
 *   defaultRetention: 30d            # when neither the write nor its namespace gives one (none by default)
 *   maxRecordSize: 1GiB
 *   namespaces:
 *     trades: { retention: 2555d, mode: compliance }
 *   grants:
 *     alice: { permissions: [legal-hold, governance-bypass] }
 *   checkpoint: { everyEntries: 1000, interval: 10s }
 *   scan: { enabled: true, interval: 24h, rateLimit: 64MiB }
 *   remote: { type: none }           # none | s3 | azure
 * </pre>
 *
 * @param defaultMode the mode of writes that name none and whose namespace has none
 * @param defaultRetention the retention of writes that give none and whose namespace has none;
 *     null for none (such writes are refused)
 * @param maxRecordSize the largest record accepted, in bytes
 * @param namespaces per-namespace default retention and mode
 * @param grants per-actor permissions
 * @param checkpointEveryEntries sign a checkpoint after this many new ledger entries
 * @param checkpointInterval and at least this often while entries arrive
 * @param scanEnabled whether the background integrity scan runs
 * @param scanInterval time between the starts of two scans
 * @param scanRateLimit bytes per second the scan may read
 * @param remote where remote WORM copies go
 * @param transferDir the one directory bus requests may name files in, or null for none
 */
public record TamperProofConfig(
    RetentionMode defaultMode,
    Duration defaultRetention,
    long maxRecordSize,
    Map<String, NamespacePolicy> namespaces,
    Map<String, Set<Permission>> grants,
    int checkpointEveryEntries,
    Duration checkpointInterval,
    boolean scanEnabled,
    Duration scanInterval,
    long scanRateLimit,
    Remote remote,
    String transferDir) {

  /** Namespace names: lower-case letters, digits, '.', '_' and '-', 1..64, starting with a letter or digit. */
  public static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  /** A namespace's defaults. */
  public record NamespacePolicy(RetentionMode mode, Duration retention) {}

  /**
   * Where remote WORM copies go.
   *
   * @param type NONE (local copy only), S3 or AZURE
   * @param store the storage plugin's store name to write to
   * @param timeout how long one remote request may take
   * @param resilience the provider pattern's settings for the remote (probe interval, journal...)
   */
  public record Remote(RemoteType type, String store, Duration timeout, io.datawarehouse.sdk.provider.ResilienceOptions resilience) {}

  /** Kinds of remote WORM copy. */
  public enum RemoteType { NONE, S3, AZURE }

  private static final ConfigDef NAMESPACE_DEF = ConfigDef.builder()
      .define("retention", ConfigDef.Type.DURATION, null, Validators.nonNegativeDuration(),
          "default retention of the namespace's records (e.g. 2555d)")
      .define("mode", ConfigDef.Type.STRING, null, Validators.oneOf("compliance", "governance"),
          "default retention mode of the namespace's records")
      .build();

  private static final ConfigDef GRANT_DEF = ConfigDef.builder()
      .list("permissions", java.util.List.of(), "what the actor may do: legal-hold, governance-bypass")
      .build();

  private static final ConfigDef CHECKPOINT_DEF = ConfigDef.builder()
      .integer("everyEntries", 1000, Validators.range(1, 1_000_000), "sign a checkpoint after this many new ledger entries")
      .duration("interval", "10s", "and at least this often while entries arrive")
      .build();

  private static final ConfigDef SCAN_DEF = ConfigDef.builder()
      .bool("enabled", true, "run the background integrity scan")
      .duration("interval", "24h", "time between the starts of two scans")
      .size("rateLimit", "64MiB", Validators.positive(), "bytes per second a scan may read")
      .build();

  private static final ConfigDef REMOTE_DEF = ConfigDef.builder()
      .define("type", ConfigDef.Type.STRING, "none", Validators.oneOf("none", "s3", "azure"),
          "where remote WORM copies go: none, s3 or azure (through the storage plugin)")
      .string("store", "worm", "the storage plugin's store to write remote copies to")
      .duration("timeout", "30s", "how long one remote request may take")
      .build()
      .merge(io.datawarehouse.sdk.provider.ResilienceOptions.configDef());

  /** Every key of the section. */
  public static final ConfigDef DEFINITION = ConfigDef.builder()
      .define("defaultMode", ConfigDef.Type.STRING, "governance", Validators.oneOf("compliance", "governance"),
          "retention mode of writes that name none and whose namespace has none")
      .define("defaultRetention", ConfigDef.Type.DURATION, null, Validators.nonNegativeDuration(),
          "retention of writes that give none and whose namespace has none (none: such writes are refused)")
      .size("maxRecordSize", "1GiB", Validators.positive(), "largest record accepted")
      .string("transferDir", null, "the one directory bus requests may name files in (sourcePath, targetPath); none by default")
      .map("namespaces", NAMESPACE_DEF, "per-namespace defaults: retention, mode")
      .map("grants", GRANT_DEF, "per-actor permissions")
      .section("checkpoint", CHECKPOINT_DEF, "when the ledger signs checkpoints")
      .section("scan", SCAN_DEF, "the background integrity scan")
      .section("remote", REMOTE_DEF, "remote WORM copies through the storage plugin")
      .build();

  public TamperProofConfig {
    namespaces = Map.copyOf(namespaces);
    grants = Map.copyOf(grants);
  }

  /** Every default: governance mode, no default retention, no namespaces, no grants, no remote. */
  public static TamperProofConfig defaults() {
    return from(Config.defaults("tamperproof", DEFINITION));
  }

  /**
   * Reads a validated section.
   *
   * @throws DwException INVALID_ARGUMENT naming the key when a namespace name or permission is bad
   */
  public static TamperProofConfig from(Config c) {
    RetentionMode defaultMode = RetentionMode.parse(c.getString("defaultMode"));
    Map<String, NamespacePolicy> ns = new LinkedHashMap<>();
    for (Map.Entry<String, Config> e : c.getMap("namespaces").entrySet()) {
      if (!NAMESPACE.matcher(e.getKey()).matches()) {
        throw DwException.invalidArgument("'" + c.path() + ".namespaces." + e.getKey() + "': a namespace name is "
            + NAMESPACE.pattern());
      }
      String mode = e.getValue().getString("mode");
      ns.put(e.getKey(), new NamespacePolicy(mode == null ? defaultMode : RetentionMode.parse(mode),
          e.getValue().getDuration("retention")));
    }
    Map<String, Set<Permission>> grants = new LinkedHashMap<>();
    for (Map.Entry<String, Config> e : c.getMap("grants").entrySet()) {
      Set<Permission> perms = EnumSet.noneOf(Permission.class);
      for (String p : e.getValue().getList("permissions")) {
        try {
          perms.add(Permission.parse(p));
        } catch (DwException ex) {
          throw DwException.invalidArgument("'" + c.path() + ".grants." + e.getKey() + ".permissions': " + ex.getMessage());
        }
      }
      grants.put(e.getKey(), Set.copyOf(perms));
    }
    Config cp = c.getSection("checkpoint");
    Config scan = c.getSection("scan");
    Config remote = c.getSection("remote");
    return new TamperProofConfig(defaultMode, c.getDuration("defaultRetention"), c.getSize("maxRecordSize"), ns, grants,
        cp.getInt("everyEntries"), cp.getDuration("interval"), scan.isTrue("enabled"), scan.getDuration("interval"),
        scan.getSize("rateLimit"),
        new Remote(RemoteType.valueOf(remote.getString("type").toUpperCase(java.util.Locale.ROOT)),
            remote.getString("store"), remote.getDuration("timeout"),
            io.datawarehouse.sdk.provider.ResilienceOptions.from(remote)),
        c.getString("transferDir"));
  }

  /** The caller {@code actor} with the permissions granted to it here. */
  public Caller caller(String actor) {
    return new Caller(actor, grants.getOrDefault(actor, Set.of()));
  }

  /** This configuration with {@code policy} for {@code namespace} (for tests and embedding). */
  public TamperProofConfig withNamespace(String namespace, NamespacePolicy policy) {
    Map<String, NamespacePolicy> ns = new LinkedHashMap<>(namespaces);
    ns.put(namespace, policy);
    return new TamperProofConfig(defaultMode, defaultRetention, maxRecordSize, ns, grants, checkpointEveryEntries,
        checkpointInterval, scanEnabled, scanInterval, scanRateLimit, remote, transferDir);
  }
}
