package io.datawarehouse.server.cli.dataprotection;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.dataprotection.BackupRepository;
import io.datawarehouse.dataprotection.BackupType;
import io.datawarehouse.dataprotection.PruneResult;
import io.datawarehouse.dataprotection.RestoreResult;
import io.datawarehouse.dataprotection.RetentionPolicy;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.dataprotection.ValidationReport;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.config.Sizes;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.server.cli.ProgressBar;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code dw backup}: encrypted, deduplicated backups in a repository directory, without a server.
 * The passphrase comes from {@code DW_BACKUP_PASSPHRASE}, else a prompt. Progress bars go to
 * stderr; {@code --json} prints results as JSON on stdout.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {"Encrypted, deduplicated backups: full, incremental, differential; restore, validate, retention.",
        "The passphrase comes from DW_BACKUP_PASSPHRASE, else a prompt."},
    subcommands = {
      BackupCommand.Init.class, BackupCommand.Create.class, BackupCommand.ListCmd.class, BackupCommand.Restore.class,
      BackupCommand.Validate.class, BackupCommand.Forget.class, BackupCommand.Prune.class, BackupCommand.Key.class
    })
public final class BackupCommand {
  /** The environment variable holding the passphrase. */
  public static final String PASSPHRASE_ENV = "DW_BACKUP_PASSPHRASE";
  /** The environment variable holding a new passphrase for {@code key add} and {@code key passwd}. */
  public static final String NEW_PASSPHRASE_ENV = "DW_BACKUP_NEW_PASSPHRASE";

  /** Where variables are read from; tests replace it (the environment cannot be changed from Java). */
  static java.util.function.UnaryOperator<String> environment = System::getenv;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print results as JSON")
  boolean json;

  /**
   * Called before the command line is parsed: for {@code dw backup <sub> --repo DIR ...} (not
   * {@code init}) with the passphrase in {@value #PASSPHRASE_ENV}, starts unlocking the repository's
   * key file on a background thread ({@link BackupRepository#unlockAhead}), so that the passphrase
   * key derivation runs while picocli builds its command tree and logging starts. The command
   * itself still parses and validates everything; a mismatch only means the derivation runs again.
   */
  public static void startEarly(String[] args) {
    if (args.length < 3 || !"backup".equals(args[0]) || "init".equals(args[1]) || args[1].startsWith("-")) {
      return;
    }
    String repo = null;
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--")) {
        break;
      }
      if (args[i].equals("--repo") && i + 1 < args.length) {
        repo = args[i + 1];
      } else if (args[i].startsWith("--repo=")) {
        repo = args[i].substring("--repo=".length());
      }
    }
    String pass = environment.apply(PASSPHRASE_ENV);
    if (repo == null || repo.isEmpty() || pass == null || pass.isEmpty()) {
      return;
    }
    try {
      BackupRepository.unlockAhead(Path.of(repo), Secret.of(pass));
    } catch (RuntimeException e) {
      // only a head start: the command reports whatever is wrong with its arguments
    }
  }

  /** Options every subcommand has. */
  abstract static class Sub implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "the repository directory")
    Path repo;

    CliSupport cli() {
      return CliSupport.of(spec);
    }

    boolean json() {
      BackupCommand b = findRoot();
      return b != null && b.json;
    }

    private BackupCommand findRoot() {
      CommandSpec s = spec;
      while (s != null) {
        if (s.userObject() instanceof BackupCommand b) {
          return b;
        }
        s = s.parent();
      }
      return null;
    }

    Progress.Listener progress() {
      return new ProgressBar(cli().err());
    }

    <T> T withRepo(Function<BackupRepository, T> fn) {
      cli().logLevel(ch.qos.logback.classic.Level.WARN);
      try (BackupRepository r = BackupRepository.open(repo, passphrase(PASSPHRASE_ENV, "Repository passphrase: ", false), Time.SYSTEM)) {
        return fn.apply(r);
      }
    }

    Secret passphrase(String env, String prompt, boolean confirm) {
      String v = environment.apply(env);
      if (v != null && !v.isEmpty()) {
        return Secret.of(v);
      }
      java.io.Console c = System.console();
      if (c == null) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "no passphrase: set " + env + " or run on a terminal to be asked");
      }
      char[] a = c.readPassword(prompt);
      if (a == null || a.length == 0) {
        throw DwException.invalidArgument("an empty passphrase is not accepted");
      }
      if (confirm) {
        char[] b = c.readPassword("Again: ");
        if (b == null || !java.util.Arrays.equals(a, b)) {
          throw DwException.invalidArgument("the two passphrases differ");
        }
      }
      return Secret.of(new String(a));
    }

    void print(Object jsonValue, String text) {
      if (json()) {
        cli().printJson(jsonValue);
      } else {
        cli().out().println(text);
        cli().out().flush();
      }
    }
  }

  /** {@code dw backup init}. */
  @Command(name = "init", mixinStandardHelpOptions = true, description = "Create a repository in a new or empty directory.")
  static final class Init extends Sub {
    @Option(names = "--zstd-level", paramLabel = "N", defaultValue = "" + BackupRepository.Options.DEFAULT_ZSTD_LEVEL,
        description = "zstd level of the chunks, 0 (none) to " + BackupRepository.Options.MAX_ZSTD_LEVEL
            + " (default: ${DEFAULT-VALUE}); fixed for the repository")
    int zstdLevel;

    @Override
    public Integer call() {
      cli().logLevel(ch.qos.logback.classic.Level.WARN);
      String id = BackupRepository.init(repo, passphrase(PASSPHRASE_ENV, "New repository passphrase: ", true),
          BackupRepository.Options.defaults().withZstdLevel(zstdLevel), Time.SYSTEM);
      print(Map.of("id", id, "repository", repo.toAbsolutePath().toString()),
          "created repository " + id + " at " + repo.toAbsolutePath());
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw backup create}. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Back up PATH... as a new snapshot.")
  static final class Create extends Sub {
    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "full",
        description = "full (default), incremental (since the latest snapshot of the same paths) or differential (since the latest full)")
    String type;

    @Option(names = "--tag", paramLabel = "TAG", description = "tag the snapshot (repeatable)")
    List<String> tags = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "files or directories to back up")
    List<Path> paths;

    @Override
    public Integer call() {
      BackupType t = BackupType.parse(type);
      if (t == BackupType.FULL) {
        BackupRepository.warmUpCrypto(); // beside the passphrase derivation; incrementals decide later
      }
      Snapshot s = withRepo(r -> r.backup(paths, t, tags, progress()));
      Snapshot.Stats st = s.stats();
      print(s.summary(), "snapshot " + s.id() + " (" + s.type() + (s.parent() == null ? "" : ", parent " + s.parent().substring(0, 8))
          + "): " + st.files() + " files, " + Sizes.format(st.bytes()) + "; read " + st.filesRead() + " files ("
          + Sizes.format(st.bytesRead()) + "), " + st.filesUnchanged() + " unchanged; " + st.blobsNew() + " new chunks, "
          + st.blobsDeduplicated() + " deduplicated, " + Sizes.format(st.bytesStored()) + " stored");
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw backup list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List snapshots, oldest first.")
  static final class ListCmd extends Sub {
    @Override
    public Integer call() {
      List<Snapshot.Summary> all = withRepo(BackupRepository::snapshots);
      if (json()) {
        ArrayNode arr = Json.mapper().createArrayNode();
        for (Snapshot.Summary s : all) {
          ObjectNode o = arr.addObject();
          o.put("id", s.id());
          o.put("time", s.time().toString());
          o.put("type", s.type());
          if (s.parent() == null) {
            o.putNull("parent");
          } else {
            o.put("parent", s.parent());
          }
          ArrayNode p = o.putArray("paths");
          s.paths().forEach(p::add);
          o.put("host", s.host());
          ArrayNode t = o.putArray("tags");
          s.tags().forEach(t::add);
          o.put("files", s.stats().files());
          o.put("bytes", s.stats().bytes());
        }
        cli().printJson(arr);
        return CliSupport.EXIT_OK;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("ID", "TIME", "TYPE", "PARENT", "FILES", "SIZE", "TAGS", "PATHS"));
      for (Snapshot.Summary s : all) {
        rows.add(List.of(s.id().substring(0, 12), s.time().toString(), s.type(), s.parent() == null ? "-" : s.parent().substring(0, 12),
            String.valueOf(s.stats().files()), Sizes.format(s.stats().bytes()), String.join(",", s.tags()), String.join(" ", s.paths())));
      }
      cli().printTable(rows);
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw backup restore}. */
  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = "Restore SNAPSHOT (an id, a unique prefix or 'latest') into --target, verifying every byte.")
  static final class Restore extends Sub {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "snapshot id, unique prefix, or latest")
    String snapshot;

    @Option(names = "--target", required = true, paramLabel = "DIR", description = "where to restore")
    Path target;

    @Option(names = "--path", paramLabel = "P", description = "restore only this path (snapshot path like data/sub, or the original absolute path; repeatable)")
    List<String> paths = new ArrayList<>();

    @Override
    public Integer call() {
      BackupRepository.warmUpCrypto(); // beside the passphrase derivation
      RestoreResult r = withRepo(repo -> repo.restore(snapshot, target, paths, progress()));
      print(r, "restored " + r.files() + " files, " + r.dirs() + " directories, " + r.symlinks() + " links ("
          + Sizes.format(r.bytes()) + ") from " + r.snapshot() + " to " + r.target()
          + (r.ok() ? "" : "; FAILED for " + r.failures().size() + ":\n  " + String.join("\n  ", r.failures())));
      return r.ok() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
    }
  }

  /** {@code dw backup validate}. */
  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = {"Check indexes, packs, snapshots and chains; exit 0 only when all is sound."})
  static final class Validate extends Sub {
    @Option(names = "--read-data", description = "re-read and verify every blob of every pack")
    boolean readData;

    @Option(names = "--test-restore", description = "restore the latest snapshot to a temporary directory and compare")
    boolean testRestore;

    @Override
    public Integer call() {
      if (readData || testRestore) {
        BackupRepository.warmUpCrypto(); // beside the passphrase derivation
      }
      ValidationReport r = withRepo(repo -> repo.validate(readData, testRestore, progress()));
      StringBuilder sb = new StringBuilder();
      sb.append(r.ok() ? "repository is sound" : "repository has " + r.problems().size() + " problem(s)")
          .append(": ").append(r.snapshots()).append(" snapshots, ").append(r.indexFiles()).append(" index files, ")
          .append(r.packs()).append(" packs");
      if (readData) {
        sb.append(", ").append(r.blobsRead()).append(" blobs (").append(Sizes.format(r.bytesRead())).append(") re-read");
      }
      if (testRestore) {
        sb.append(", ").append(r.testRestoredFiles()).append(" files test-restored");
      }
      for (ValidationReport.Problem p : r.problems()) {
        sb.append("\nPROBLEM ").append(p.object()).append(": ").append(p.message());
        for (String a : p.affected()) {
          sb.append("\n  affects ").append(a);
        }
      }
      for (String l : r.leftovers()) {
        sb.append("\nleftover (prune removes it): ").append(l);
      }
      print(r, sb.toString());
      return r.ok() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
    }
  }

  /** {@code dw backup forget}. */
  @Command(name = "forget", mixinStandardHelpOptions = true,
      description = {"Remove the snapshots the keep rules do not keep (per set of source paths); parents of kept snapshots are kept.",
          "Their data is freed by prune (or --prune)."})
  static final class Forget extends Sub {
    @Option(names = "--keep-last", paramLabel = "N", description = "keep the newest N") int keepLast;
    @Option(names = "--keep-hourly", paramLabel = "N", description = "keep the newest of each of the last N hours") int keepHourly;
    @Option(names = "--keep-daily", paramLabel = "N", description = "keep the newest of each of the last N days") int keepDaily;
    @Option(names = "--keep-weekly", paramLabel = "N", description = "keep the newest of each of the last N weeks") int keepWeekly;
    @Option(names = "--keep-monthly", paramLabel = "N", description = "keep the newest of each of the last N months") int keepMonthly;
    @Option(names = "--keep-yearly", paramLabel = "N", description = "keep the newest of each of the last N years") int keepYearly;
    @Option(names = "--keep-tag", paramLabel = "TAG", description = "keep snapshots with this tag (repeatable)") List<String> keepTags = new ArrayList<>();
    @Option(names = "--keep-within", paramLabel = "DURATION", description = "keep snapshots newer than this (e.g. 30d)") String keepWithin;
    @Option(names = "--dry-run", description = "only show what would be removed") boolean dryRun;
    @Option(names = "--prune", description = "run prune afterwards") boolean prune;

    @Override
    public Integer call() {
      RetentionPolicy p = new RetentionPolicy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepTags,
          keepWithin == null ? null : Durations.parse(keepWithin));
      Object[] pr = new Object[1];
      List<RetentionPolicy.Decision> d = withRepo(r -> {
        List<RetentionPolicy.Decision> x = r.forget(p, dryRun, ZoneId.systemDefault());
        if (prune && !dryRun) {
          pr[0] = r.prune(progress());
        }
        return x;
      });
      StringBuilder sb = new StringBuilder();
      long removed = 0;
      for (RetentionPolicy.Decision x : d) {
        if (!x.keep()) {
          removed++;
        }
        sb.append(x.keep() ? "keep   " : (dryRun ? "would remove " : "remove ")).append(x.snapshot().id(), 0, 12).append(' ')
            .append(x.snapshot().time()).append(' ').append(x.snapshot().type())
            .append(x.keep() ? "  (" + String.join(", ", x.reasons()) + ")" : "").append('\n');
      }
      sb.append(removed).append(" snapshot(s) ").append(dryRun ? "would be " : "").append("removed, ").append(d.size() - removed).append(" kept");
      if (pr[0] instanceof PruneResult r) {
        sb.append("\n").append(describe(r));
      }
      print(Map.of("decisions", d, "prune", pr[0] == null ? Map.of() : pr[0]), sb.toString());
      return CliSupport.EXIT_OK;
    }
  }

  static String describe(PruneResult r) {
    return "pruned: " + r.packsDeleted() + " packs deleted, " + r.packsRepacked() + " repacked into " + r.packsWritten() + ", "
        + r.blobsRemoved() + " blobs removed, " + r.leftoversRemoved() + " leftovers removed, " + Sizes.format(Math.max(0, r.bytesFreed()))
        + " freed";
  }

  /** {@code dw backup prune}. */
  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = "Remove data no snapshot references, repack partly used packs, remove leftovers of interrupted runs.")
  static final class Prune extends Sub {
    @Override
    public Integer call() {
      PruneResult r = withRepo(repo -> repo.prune(progress()));
      print(r, describe(r));
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw backup key}: passphrase slots. */
  @Command(name = "key", mixinStandardHelpOptions = true,
      description = {"Passphrase slots: list, add, passwd (change), remove. The data is never re-encrypted.",
          "A new passphrase comes from DW_BACKUP_NEW_PASSPHRASE, else a prompt."})
  static final class Key extends Sub {
    @Parameters(index = "0", paramLabel = "ACTION", description = "list, add, passwd or remove")
    String action;

    @Option(names = "--label", paramLabel = "NAME", defaultValue = "default", description = "the slot (default: default)")
    String label;

    @Override
    public Integer call() {
      Object out = withRepo(r -> switch (action) {
        case "list" -> r.keySlots();
        case "add" -> {
          r.addPassphrase(label, passphrase(NEW_PASSPHRASE_ENV, "New passphrase: ", true));
          yield r.keySlots();
        }
        case "passwd" -> {
          r.changePassphrase(label, passphrase(NEW_PASSPHRASE_ENV, "New passphrase: ", true));
          yield r.keySlots();
        }
        case "remove" -> {
          r.removePassphrase(label);
          yield r.keySlots();
        }
        default -> throw DwException.invalidArgument("key action must be list, add, passwd or remove, was '" + action + "'");
      });
      print(out, "key slots: " + out);
      return CliSupport.EXIT_OK;
    }
  }
}
