package io.datawarehouse.server.cli.raid;

import io.datawarehouse.raid.ArraySpec;
import io.datawarehouse.raid.ArrayStatus;
import io.datawarehouse.raid.DedupStats;
import io.datawarehouse.raid.MonitorReport;
import io.datawarehouse.raid.RaidArray;
import io.datawarehouse.raid.RaidLevel;
import io.datawarehouse.raid.ScrubReport;
import io.datawarehouse.raid.SnapshotInfo;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Sizes;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.server.cli.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dw raid}: create and operate RAID arrays kept in a directory. Each command opens the
 * array, does its work, and closes it cleanly (so the superblocks record a clean shutdown).
 */
@Command(name = "raid", mixinStandardHelpOptions = true,
    description = {"Create and operate RAID arrays (0, 1, 5, 6, 10, Reed-Solomon k+m) over disk files.",
        "Sizes accept KiB, MiB, GiB (e.g. 64MiB)."},
    subcommands = {
      RaidCommand.Create.class, RaidCommand.Status.class, RaidCommand.Write.class, RaidCommand.Read.class,
      RaidCommand.Fail.class, RaidCommand.Replace.class, RaidCommand.Rebuild.class, RaidCommand.Scrub.class,
      RaidCommand.Snapshot.class, RaidCommand.DedupStatsCommand.class, RaidCommand.Monitor.class
    })
public final class RaidCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a raid command is required");
  }

  static long size(String option, String value) {
    try {
      return Sizes.parse(value);
    } catch (DwException e) {
      throw DwException.invalidArgument(option + ": " + e.getMessage());
    }
  }

  /** Runs rebuilds of every disk that needs one, with a progress bar. */
  static void rebuild(CliSupport cli, RaidArray a, long rate) {
    List<Integer> todo = a.needsRebuild();
    if (todo.isEmpty()) {
      cli.out().println("nothing to rebuild: " + a.status().state());
      return;
    }
    ProgressBar bar = new ProgressBar(cli.err());
    long t0 = System.nanoTime();
    List<Integer> done = a.rebuild(bar, rate);
    double secs = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
    long perDisk = a.capacity() / a.status().dataShards();
    cli.out().printf(Locale.ROOT, "rebuilt disk%s %s in %.1f s (%.1f MB/s per disk); array %s%n",
        done.size() == 1 ? "" : "s", done, secs, perDisk / secs / 1e6, a.status().state());
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an array in DIR (disk files inside DIR unless --disk is given).")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--level", required = true, paramLabel = "0|1|5|6|10|rs") String level;
    @Option(names = "--data", paramLabel = "K", description = "data shards (rs only)") Integer data;
    @Option(names = "--parity", paramLabel = "M", description = "parity shards (rs only)") Integer parity;
    @Option(names = "--disks", paramLabel = "N", description = "member disks (rs: K+M, the default)") Integer disks;
    @Option(names = "--disk-size", required = true, paramLabel = "SIZE") String diskSize;
    @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "64KiB", description = "chunk size, a power of two from 4KiB (default ${DEFAULT-VALUE})") String blockSize;
    @Option(names = "--spares", paramLabel = "S", defaultValue = "0", description = "hot spare disks") int spares;
    @Option(names = "--disk", paramLabel = "PATH", description = "disk file paths (disks + spares of them)") List<Path> diskPaths = new ArrayList<>();
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      RaidLevel l = RaidLevel.parse(level);
      int k = l == RaidLevel.RS ? require(data, "--data") : 0;
      int m = l == RaidLevel.RS ? require(parity, "--parity") : 0;
      if (l != RaidLevel.RS && (data != null || parity != null)) {
        throw DwException.invalidArgument("--data and --parity apply to --level rs only");
      }
      int n = disks != null ? disks : l == RaidLevel.RS ? k + m : requireDisks();
      long bs = size("--block-size", blockSize);
      if (bs > Integer.MAX_VALUE) {
        throw DwException.invalidArgument("--block-size " + blockSize + " is too large");
      }
      ArraySpec s = new ArraySpec(l, n, k, m, size("--disk-size", diskSize), (int) bs, spares, diskPaths);
      try (RaidArray a = RaidArray.create(dir, s)) {
        cli.out().printf(Locale.ROOT, "created %s array %s in %s: %d disks%s, %s blocks, capacity %s (%d bytes)%n",
            l == RaidLevel.RS ? "rs(" + k + "," + m + ")" : "raid" + l.cliName(), a.id(), dir, n,
            spares > 0 ? " + " + spares + " spares" : "", Sizes.format(bs), Sizes.format(a.capacity()), a.capacity());
      }
      return CliSupport.EXIT_OK;
    }

    private int requireDisks() {
      throw DwException.invalidArgument("--disks N is required for level " + level);
    }

    private static int require(Integer v, String option) {
      if (v == null) {
        throw DwException.invalidArgument("--level rs needs " + option);
      }
      return v;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the array's state and every disk.")
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--json", description = "print JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        ArrayStatus s = a.status();
        if (json) {
          cli.printJson(s);
          return CliSupport.EXIT_OK;
        }
        cli.out().printf(Locale.ROOT, "array %s  level %s  state %s  capacity %s  block %s  generation %d%n",
            s.arrayId(), s.level(), s.state(), Sizes.format(s.capacity()), Sizes.format(s.blockSize()), s.generation());
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("DISK", "STATE", "REBUILT", "READS", "WRITES", "ERRORS", "CRC", "REMAPS", "SPARE BLOCKS", "P99 us", "PATH"));
        for (ArrayStatus.Member m : s.members()) {
          Map<String, Object> c = m.counters();
          rows.add(List.of(String.valueOf(m.role()), m.state(), String.format(Locale.ROOT, "%.0f%%", m.rebuildProgress() * 100),
              String.valueOf(c.getOrDefault("reads", 0)), String.valueOf(c.getOrDefault("writes", 0)),
              String.valueOf(num(c, "readErrors") + num(c, "writeErrors")), String.valueOf(c.getOrDefault("checksumErrors", 0)),
              String.valueOf(m.remappedBlocks()), String.valueOf(m.spareBlocksLeft()), String.valueOf(c.getOrDefault("latencyP99Micros", 0)),
              m.path() == null ? "-" : m.path()));
        }
        cli.printTable(rows);
        for (String sp : s.spares()) {
          cli.out().println("spare  " + sp);
        }
      }
      return CliSupport.EXIT_OK;
    }

    private static long num(Map<String, Object> c, String k) {
      return c.get(k) instanceof Number n ? n.longValue() : 0;
    }
  }

  @Command(name = "write", mixinStandardHelpOptions = true, description = "Write a file's bytes into the array at an offset.")
  static final class Write implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--offset", required = true, paramLabel = "N") String offset;
    @Option(names = "--in", required = true, paramLabel = "FILE") Path in;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      long pos = size("--offset", offset);
      long total = Files.size(in);
      try (RaidArray a = RaidArray.open(dir); InputStream is = Files.newInputStream(in)) {
        if (pos + total > a.capacity()) {
          throw DwException.invalidArgument(in + " (" + total + " bytes) at offset " + pos + " does not fit the array's " + a.capacity() + " bytes");
        }
        byte[] buf = new byte[1 << 20];
        long done = 0;
        int n;
        while ((n = is.readNBytes(buf, 0, buf.length)) > 0) {
          a.write(pos + done, buf, 0, n);
          done += n;
        }
        a.flush();
        cli.out().println("wrote " + done + " bytes at offset " + pos);
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Read bytes of the array into a file.")
  static final class Read implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--offset", required = true, paramLabel = "N") String offset;
    @Option(names = "--length", required = true, paramLabel = "N") String length;
    @Option(names = "--out", required = true, paramLabel = "FILE") Path out;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      long pos = size("--offset", offset);
      long len = size("--length", length);
      try (RaidArray a = RaidArray.open(dir)) {
        if (pos < 0 || len < 0 || pos + len > a.capacity()) {
          throw DwException.invalidArgument("range [" + pos + ", " + (pos + len) + ") is outside the array (capacity " + a.capacity() + " bytes)");
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".part");
        try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
          byte[] buf = new byte[1 << 20];
          for (long done = 0; done < len; ) {
            int n = (int) Math.min(buf.length, len - done);
            a.read(pos + done, buf, 0, n);
            os.write(buf, 0, n);
            done += n;
          }
        } catch (RuntimeException | IOException e) {
          Files.deleteIfExists(tmp);
          throw e;
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cli.out().println("read " + len + " bytes at offset " + pos + " into " + out);
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "fail", mixinStandardHelpOptions = true, description = "Mark a disk failed; a hot spare takes its place and is rebuilt at once.")
  static final class Fail implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--disk", required = true, paramLabel = "I") int disk;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        a.fail(disk);
        ArrayStatus.Member m = a.status().members().get(disk);
        if ("rebuilding".equals(m.state())) {
          cli.out().println("disk " + disk + " failed; hot spare " + m.path() + " takes its place");
          rebuild(cli, a, 0);
        } else {
          cli.out().println("disk " + disk + " failed; array " + a.status().state() + " (replace it with dw raid replace " + dir + " --disk " + disk + ")");
        }
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "replace", mixinStandardHelpOptions = true, description = "Replace a disk with a new blank disk file (then run dw raid rebuild).")
  static final class Replace implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--disk", required = true, paramLabel = "I") int disk;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        a.replace(disk);
        cli.out().println("disk " + disk + " replaced by " + a.status().members().get(disk).path() + "; run dw raid rebuild " + dir);
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "rebuild", mixinStandardHelpOptions = true, description = "Rebuild every disk that needs it, resuming from the last checkpoint.")
  static final class Rebuild implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--rate", paramLabel = "SIZE", defaultValue = "0", description = "per-disk limit in bytes per second (0: none)") String rate;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        rebuild(cli, a, size("--rate", rate));
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "scrub", mixinStandardHelpOptions = true, description = "Verify every stripe's checksums and parity; --repair fixes what is found. Exit 1 when problems remain.")
  static final class Scrub implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--repair") boolean repair;
    @Option(names = "--json", description = "print the report as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        ScrubReport r = a.scrub(repair, new ProgressBar(cli.err()));
        if (json) {
          cli.printJson(r);
        } else {
          cli.out().printf(Locale.ROOT, "scrubbed %d stripes: %d parity mismatches, %d unrecoverable, %d blocks repaired%n",
              r.stripes(), r.parityMismatchStripes(), r.unrecoverableStripes(), r.repaired());
          List<List<String>> rows = new ArrayList<>();
          rows.add(List.of("DISK", "READ ERRORS", "CHECKSUM ERRORS", "PARITY MISMATCHES"));
          for (ScrubReport.Disk d : r.disks()) {
            rows.add(List.of(String.valueOf(d.role()), String.valueOf(d.readErrors()), String.valueOf(d.checksumErrors()), String.valueOf(d.parityMismatches())));
          }
          cli.printTable(rows);
        }
        boolean fixed = repair && r.unrecoverableStripes() == 0;
        return r.clean() || fixed ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
      }
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Snapshots: create|list|restore|delete DIR [NAME].")
  static final class Snapshot implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "create|list|restore|delete") String action;
    @Parameters(index = "1", paramLabel = "DIR") Path dir;
    @Parameters(index = "2", paramLabel = "NAME", arity = "0..1") String name;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        switch (action) {
          case "create" -> {
            SnapshotInfo s = a.snapshotCreate(need());
            cli.out().println("snapshot " + s.name() + " taken at " + s.created());
          }
          case "list" -> {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("NAME", "CREATED", "SAVED BLOCKS", "SAVED"));
            for (SnapshotInfo s : a.snapshots()) {
              rows.add(List.of(s.name(), s.created().toString(), String.valueOf(s.savedBlocks()), Sizes.format(s.savedBytes())));
            }
            cli.printTable(rows);
          }
          case "restore" -> {
            long blocks = a.snapshotRestore(need());
            cli.out().println("restored snapshot " + name + ": " + blocks + " blocks written back");
          }
          case "delete" -> {
            a.snapshotDelete(need());
            long freed = a.dedupGc();
            cli.out().println("deleted snapshot " + name + "; freed " + Sizes.format(freed));
          }
          default -> throw DwException.invalidArgument("unknown snapshot action '" + action + "': use create, list, restore or delete");
        }
      }
      return CliSupport.EXIT_OK;
    }

    private String need() {
      if (name == null) {
        throw DwException.invalidArgument("dw raid snapshot " + action + " needs a snapshot NAME");
      }
      return name;
    }
  }

  @Command(name = "dedup-stats", mixinStandardHelpOptions = true, description = "Statistics of the deduplicated block store behind snapshots.")
  static final class DedupStatsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--json") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (RaidArray a = RaidArray.open(dir)) {
        DedupStats s = a.dedupStats();
        if (json) {
          cli.printJson(s);
        } else {
          cli.out().printf(Locale.ROOT, "blocks %d  stored %s  referenced %s  dedup ratio %.2f  unreferenced %d  collisions %d%n",
              s.blocks(), Sizes.format(s.storedBytes()), Sizes.format(s.referencedBytes()), s.ratio(), s.unreferencedBlocks(), s.collisions());
        }
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "monitor", mixinStandardHelpOptions = true,
      description = {"Print a monitoring report signed with HMAC-SHA256, or check one's signature.",
          "The key comes from --key-file; with --verify REPORT the report's signature is checked (exit 1 when",
          "it does not verify)."})
  static final class Monitor implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR") Path dir;
    @Option(names = "--key-file", required = true, paramLabel = "F") Path keyFile;
    @Option(names = "--verify", paramLabel = "REPORT") Path verify;
    @Option(names = "--out", paramLabel = "FILE", description = "write the report here instead of stdout") Path out;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      byte[] key = MonitorReport.readKey(keyFile);
      if (verify != null) {
        MonitorReport.Verification v = MonitorReport.verify(Files.readAllBytes(verify), key);
        (v.valid() ? cli.out() : cli.err()).println(verify + ": " + v.reason());
        return v.valid() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
      }
      try (RaidArray a = RaidArray.open(dir)) {
        byte[] report = MonitorReport.sign(a.status(), Time.SYSTEM.now(), key);
        if (out != null) {
          io.datawarehouse.sdk.io.AtomicFiles.write(out, report);
          cli.out().println("signed report written to " + out);
        } else {
          cli.out().print(new String(report, java.nio.charset.StandardCharsets.UTF_8));
          cli.out().flush();
        }
      }
      return CliSupport.EXIT_OK;
    }
  }
}
