package io.datawarehouse.dataprotection;

import io.datawarehouse.dataprotection.internal.TopicHandlers;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dataprotection plugin: a {@link BackupRepository} (by default under the plugin's data
 * directory) served on the bus: {@code dataprotection.backup}, {@code .restore}, {@code .validate},
 * {@code .list} and {@code .forget} (requests, JSON; see the README for payloads), with progress and
 * results published on {@code dataprotection.events}.
 *
 * <p>Health: UP, saying "not configured" when no passphrase is set (its requests then fail with
 * FAILED_PRECONDITION: backups are opt-in, so a default installation is not degraded by them);
 * DEGRADED when the configured repository is missing and autoInit is off, or after a validation
 * that found problems.
 */
public final class DataProtectionPlugin implements Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(DataProtectionPlugin.class);
  /** Where progress and results are published. */
  public static final String EVENTS_TOPIC = "dataprotection.events";

  private final List<Subscription> subscriptions = new ArrayList<>();
  private volatile TopicHandlers handlers;
  private volatile String problem;
  private volatile boolean notConfigured;

  @Override
  public String id() {
    return "dataprotection";
  }

  @Override
  public String description() {
    return "encrypted, deduplicated backups: full / incremental / differential, validation, retention, restore";
  }

  @Override
  public ConfigDef configDef() {
    return DataProtectionConfig.DEFINITION;
  }

  @Override
  public void start(PluginContext context) {
    DataProtectionConfig config = DataProtectionConfig.from(context.config());
    Path repo = config.repositoryPath(context.dataDir());
    if (config.passphrase() == null) {
      notConfigured = true;
      LOG.info("dataprotection: no passphrase configured (dataprotection.passphrase or DW_DATAPROTECTION_PASSPHRASE):"
          + " its bus requests fail until one is set; dw backup works without it");
    } else if (!Files.exists(repo.resolve("config"))) {
      if (config.autoInit()) {
        BackupRepository.init(repo, config.passphrase(), BackupRepository.Options.defaults(), context.time());
        LOG.info("dataprotection: created the repository {}", repo);
      } else {
        problem = "no repository at " + repo + " and autoInit is false";
        LOG.warn("dataprotection: {}", problem);
      }
    }
    TopicHandlers h = new TopicHandlers(repo, config.passphrase(), context.time(), context.bus(), EVENTS_TOPIC);
    handlers = h;
    subscriptions.addAll(h.subscribe());
  }

  @Override
  public void stop() {
    subscriptions.forEach(Subscription::unsubscribe);
    subscriptions.clear();
  }

  @Override
  public Health health() {
    TopicHandlers h = handlers;
    if (h == null) {
      return Health.down("not started");
    }
    if (problem != null) {
      return Health.degraded(problem);
    }
    if (notConfigured) {
      return Health.up("not configured: no passphrase, requests fail with FAILED_PRECONDITION");
    }
    String last = h.lastValidationProblem();
    return last != null ? Health.degraded("the latest validation found problems: " + last) : Health.up("repository " + h.repository());
  }
}
