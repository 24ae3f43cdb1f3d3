package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.ConfigDef;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Opens stores of one type. Connectors list their implementation in
 * {@code META-INF/services/io.datawarehouse.storage.ObjectStoreProvider}; the plugin finds them
 * with {@link ServiceLoader} and picks one by the {@code type} of each configured store.
 */
public interface ObjectStoreProvider {

  /** The type name used in configuration ("local", "s3", "azure-blob"). */
  String type();

  /** The keys of a store's {@code options} section. */
  default ConfigDef configDef() {
    return ConfigDef.empty();
  }

  /**
   * Opens the store: builds the client and checks the configuration, but does not require the
   * service to answer (that is {@link ObjectStore#probe()}), except where a check can only be
   * made against the service and the spec asks for it.
   *
   * @throws DwException INVALID_ARGUMENT for bad options; FAILED_PRECONDITION or UNAVAILABLE
   */
  ObjectStore open(StoreSpec spec);

  /** Every provider on the class path of {@code loader}, in discovery order. */
  static List<ObjectStoreProvider> all(ClassLoader loader) {
    List<ObjectStoreProvider> out = new ArrayList<>();
    ServiceLoader.load(ObjectStoreProvider.class, loader).forEach(out::add);
    return out;
  }

  /**
   * The provider of {@code type}.
   *
   * @throws DwException INVALID_ARGUMENT listing the types found when there is none
   */
  static ObjectStoreProvider forType(String type, ClassLoader loader) {
    TreeSet<String> known = new TreeSet<>();
    for (ObjectStoreProvider p : all(loader)) {
      if (p.type().equals(type)) {
        return p;
      }
      known.add(p.type());
    }
    throw DwException.invalidArgument("no object store of type '" + type + "' is installed; installed types: "
        + known + (type.equals("s3") || type.equals("azure-blob") ? " (add the dw-connector-" + type + " jar)" : ""));
  }
}
