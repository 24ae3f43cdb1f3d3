package io.datawarehouse.dataprotection;

import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Secret;
import java.nio.file.Path;

/**
 * The plugin's configuration section ({@code dataprotection:} in {@code dw.yaml}).
 *
 * <pre>
 * dataprotection:
 *   repository: /backups/repo     # default: &lt;dataDir&gt;/dataprotection/repo
 *   passphrase: ...               # or DW_DATAPROTECTION_PASSPHRASE; without it requests fail
 *   autoInit: true                # create the repository at start when it does not exist
 * </pre>
 *
 * @param repository the repository directory, or null for the default under the data directory
 * @param passphrase the repository passphrase, or null
 * @param autoInit whether start creates a missing repository
 */
public record DataProtectionConfig(String repository, Secret passphrase, boolean autoInit) {

  /** Every key of the section. */
  public static final ConfigDef DEFINITION = ConfigDef.builder()
      .string("repository", null, "the backup repository directory (default: <dataDir>/dataprotection/repo)")
      .password("passphrase", "the repository passphrase; without it the plugin's requests fail with FAILED_PRECONDITION")
      .bool("autoInit", true, "create the repository at start when it does not exist (needs the passphrase)")
      .build();

  /** Reads a validated section. */
  public static DataProtectionConfig from(Config c) {
    Secret p = c.getPassword("passphrase");
    return new DataProtectionConfig(c.getString("repository"), p == null || p.isEmpty() ? null : p, c.isTrue("autoInit"));
  }

  /** The repository directory, resolved against the plugin's data directory. */
  public Path repositoryPath(Path dataDir) {
    return repository == null || repository.isBlank() ? dataDir.resolve("repo") : Path.of(repository);
  }
}
