package io.datawarehouse.connector.azureblob;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.StoreSpec;

/**
 * Provider of the {@code azure-blob} store. Options (the container may also come from the store's
 * {@code url}, {@code azure-blob://container}):
 *
 * <ul>
 *   <li>{@code container}; {@code createContainer} (false) to create it when missing;
 *   <li>credentials: {@code connectionString}, or {@code endpoint} with {@code accountName} and
 *       {@code accountKey}, or {@code endpoint} with {@code sasToken};
 *   <li>{@code singleUploadThreshold} (16MiB), {@code blockSize} (8MiB), {@code parallelism} (4
 *       blocks in flight);
 *   <li>{@code requestTimeout} (60s per service call).
 * </ul>
 */
public final class AzureBlobStoreProvider implements ObjectStoreProvider {
  private static final ConfigDef DEF = ConfigDef.builder()
      .string("container", null, "the container (or give it in the url: azure-blob://container)")
      .bool("createContainer", false, "create the container when it does not exist")
      .password("connectionString", "a storage connection string (holds the account key or a SAS)")
      .string("endpoint", null, "the blob endpoint, https://<account>.blob.core.windows.net")
      .string("accountName", null, "the account name, with accountKey")
      .password("accountKey", "the account key, with accountName and endpoint")
      .password("sasToken", "a SAS token, with endpoint")
      .size("singleUploadThreshold", "16MiB", Validators.range(1, 5000L << 20), "content up to this size goes up in one request")
      .size("blockSize", "8MiB", Validators.range(64 * 1024, 4000L << 20), "size of each staged block of larger content")
      .integer("parallelism", 4, Validators.range(1, 64), "blocks staged at once (memory: (parallelism + 1) x blockSize)")
      .duration("requestTimeout", "60s", "timeout of one service call")
      .build();

  @Override
  public String type() {
    return "azure-blob";
  }

  @Override
  public ConfigDef configDef() {
    return DEF;
  }

  @Override
  public ObjectStore open(StoreSpec spec) {
    Config o = spec.options();
    String container = spec.target("azure-blob", o.getString("container"), "container");
    boolean cs = o.getPassword("connectionString") != null;
    boolean key = o.getString("accountName") != null || o.getPassword("accountKey") != null;
    boolean sas = o.getPassword("sasToken") != null;
    if ((cs ? 1 : 0) + (key ? 1 : 0) + (sas ? 1 : 0) != 1) {
      throw DwException.invalidArgument("store '" + spec.name() + "': give exactly one credential: connectionString, "
          + "accountName + accountKey (with endpoint), or sasToken (with endpoint)");
    }
    if (!cs && o.getString("endpoint") == null) {
      throw DwException.invalidArgument("store '" + spec.name() + "': endpoint is required with accountKey or sasToken");
    }
    if (key && (o.getString("accountName") == null || o.getPassword("accountKey") == null)) {
      throw DwException.invalidArgument("store '" + spec.name() + "': accountName and accountKey go together");
    }
    return new AzureBlobObjectStore(spec, container);
  }
}
