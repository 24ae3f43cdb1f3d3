package io.datawarehouse.kernel.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Plugin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Start order of plugins: dependencies first (requires and startsAfter), ties by id. */
public final class PluginOrder {
  private PluginOrder() {}

  /**
   * Orders {@code plugins} so that every plugin comes after the installed plugins it requires or
   * starts after.
   *
   * @throws DwException FAILED_PRECONDITION naming a dependency cycle
   */
  public static List<Plugin> order(List<Plugin> plugins) {
    Map<String, Plugin> byId = new TreeMap<>();
    for (Plugin p : plugins) {
      byId.put(p.id(), p);
    }
    Map<String, Set<String>> deps = new HashMap<>();
    for (Plugin p : plugins) {
      Set<String> d = new TreeSet<>();
      for (String r : p.requires()) {
        if (byId.containsKey(r)) {
          d.add(r);
        }
      }
      for (String r : p.startsAfter()) {
        if (byId.containsKey(r)) {
          d.add(r);
        }
      }
      deps.put(p.id(), d);
    }
    List<Plugin> out = new ArrayList<>();
    Set<String> done = new HashSet<>();
    Set<String> visiting = new HashSet<>();
    for (String id : byId.keySet()) {
      visit(id, byId, deps, done, visiting, new ArrayList<>(), out);
    }
    return out;
  }

  private static void visit(String id, Map<String, Plugin> byId, Map<String, Set<String>> deps, Set<String> done,
      Set<String> visiting, List<String> path, List<Plugin> out) {
    if (done.contains(id)) {
      return;
    }
    path.add(id);
    if (!visiting.add(id)) {
      List<String> cycle = path.subList(path.indexOf(id), path.size());
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "plugin dependency cycle: " + String.join(" -> ", cycle));
    }
    for (String d : deps.get(id)) {
      visit(d, byId, deps, done, visiting, path, out);
    }
    visiting.remove(id);
    path.remove(path.size() - 1);
    done.add(id);
    out.add(byId.get(id));
  }
}
