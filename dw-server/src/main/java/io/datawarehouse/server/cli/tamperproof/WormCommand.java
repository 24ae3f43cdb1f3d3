package io.datawarehouse.server.cli.tamperproof;

import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Sizes;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.server.cli.ProgressBar;
import io.datawarehouse.tamperproof.Caller;
import io.datawarehouse.tamperproof.Incident;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import io.datawarehouse.tamperproof.ScanProgress;
import io.datawarehouse.tamperproof.TamperProofConfig;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.datawarehouse.tamperproof.VerifyOptions;
import io.datawarehouse.tamperproof.VerifyReport;
import io.datawarehouse.tamperproof.WriteOptions;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import io.datawarehouse.tamperproof.ledger.RecordProof;
import io.datawarehouse.tamperproof.ledger.Verification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code dw worm}: write-once records on the local data directory, without a server: the
 * tamperproof plugin's store under {@code <dataDir>/tamperproof}, configured by the {@code
 * tamperproof} section of the configuration. Commands that change the store take its lock, so they
 * refuse to run while a {@code dw serve} holds it; {@code verify} only reads and works any time.
 */
@Command(name = "worm", mixinStandardHelpOptions = true,
    description = {"Write-once records with retention and legal hold, and their tamper-evident ledger.",
        "Works on the local data directory (--data-dir) without a running server."},
    subcommands = {
      WormCommand.Put.class, WormCommand.Get.class, WormCommand.Hold.class, WormCommand.Extend.class,
      WormCommand.Delete.class, WormCommand.Verify.class, WormCommand.Scan.class, WormCommand.Proof.class
    })
public final class WormCommand {

  @Option(names = "--actor", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "who is acting, recorded in the ledger; its permissions come from tamperproof.grants (default: the OS user)")
  String actor;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print results as JSON")
  boolean json;

  /** What every subcommand needs. */
  static final class Context {
    final CliSupport cli;
    final WormCommand parent;
    final TamperProofConfig config;
    final Path dir;

    Context(CommandSpec spec) {
      this.cli = CliSupport.of(spec);
      this.parent = (WormCommand) spec.parent().userObject();
      Kernel k = cli.kernelBuilder().build();
      try {
        this.config = TamperProofConfig.from(k.config().getSection("tamperproof"));
        this.dir = k.dataDir().resolve("tamperproof");
      } finally {
        k.stop();
      }
    }

    Caller caller() {
      String name = parent.actor != null ? parent.actor : System.getProperty("user.name", "operator");
      return config.caller(name);
    }

    <T> T withStore(Function<TamperProofStore, T> fn) {
      try (TamperProofStore store = TamperProofStore.open(dir, config, Time.SYSTEM)) {
        return fn.apply(store);
      }
    }

    void printRecord(RecordInfo r, String line) {
      if (parent.json) {
        cli.printJson(r);
      } else {
        cli.out().println(line);
        cli.out().flush();
      }
    }
  }

  /** {@code dw worm put}. */
  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Write FILE once as a record; prints its id and SHA-256."})
  static final class Put implements Callable<Integer> {
    @Option(names = "--namespace", required = true, paramLabel = "NS", description = "the record's namespace")
    String namespace;

    @Option(names = "--retain-days", paramLabel = "N", description = "keep it N days (default: the namespace's retention)")
    Integer retainDays;

    @Option(names = "--mode", paramLabel = "MODE", description = "compliance or governance (default: the namespace's mode, else tamperproof.defaultMode)")
    String mode;

    @Option(names = "--legal-hold", description = "place a legal hold at once")
    boolean legalHold;

    @Option(names = "--id", paramLabel = "ID", description = "the record's id (default: a new one)")
    String id;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "media type to keep with it")
    String contentType;

    @Parameters(paramLabel = "FILE", description = "the file to write")
    Path file;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Context c = new Context(spec);
      if (retainDays != null && retainDays < 1) {
        throw DwException.invalidArgument("--retain-days must be at least 1, was " + retainDays);
      }
      WriteOptions o = WriteOptions.in(namespace).withId(id).withLegalHold(legalHold).withContentType(contentType)
          .withMode(mode == null ? null : RetentionMode.parse(mode));
      if (retainDays != null) {
        o = o.withRetention(Duration.ofDays(retainDays));
      }
      WriteOptions options = o;
      try (InputStream in = Files.newInputStream(file)) {
        RecordInfo r = c.withStore(s -> s.write(in, options, c.caller()));
        c.printRecord(r, r.id() + "  " + r.sha256());
      }
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw worm get}. */
  @Command(name = "get", mixinStandardHelpOptions = true,
      description = {"Read record ID into FILE, verified against its ledger SHA-256.",
          "Nothing is written when it does not verify."})
  static final class Get implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the record")
    String id;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write it")
    Path out;

    @Option(names = "--audit", description = "record this read in the ledger (an audit read)")
    boolean audit;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (recorded with --audit)")
    String reason;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Context c = new Context(spec);
      RecordInfo r = c.withStore(s -> {
        if (audit) {
          TamperProofStore.AuditedRead read = s.readAudited(id, c.caller(), reason);
          try {
            Files.write(out, read.content());
          } catch (IOException e) {
            throw DwException.of(io.datawarehouse.sdk.ErrorCode.UNAVAILABLE, "cannot write " + out + ": " + e.getMessage(), e);
          }
          return read.record();
        }
        return s.readTo(id, out);
      });
      c.printRecord(r, "wrote " + Sizes.format(r.size()) + " to " + out + " (sha256 " + r.sha256() + " verified)");
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw worm hold}. */
  @Command(name = "hold", mixinStandardHelpOptions = true,
      description = {"Place (--on) or remove (--off) a legal hold; removing needs the legal-hold permission."})
  static final class Hold implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the record")
    String id;

    @ArgGroup(exclusive = true, multiplicity = "1")
    OnOff state;

    static final class OnOff {
      @Option(names = "--on", required = true, description = "place a legal hold")
      boolean on;

      @Option(names = "--off", required = true, description = "remove the legal hold")
      boolean off;
    }

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (recorded in the ledger)")
    String reason;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Context c = new Context(spec);
      RecordInfo r = c.withStore(s -> s.hold(id, state.on, c.caller(), reason));
      c.printRecord(r, r.id() + ": legal hold " + (r.legalHold() ? "on" : "off"));
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw worm extend}. */
  @Command(name = "extend", mixinStandardHelpOptions = true,
      description = {"Retain record ID until N days from now.",
          "Extending is always allowed; shortening is refused for compliance records and needs the",
          "governance-bypass permission for governance ones. Both are recorded in the ledger."})
  static final class Extend implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the record")
    String id;

    @Option(names = "--retain-days", required = true, paramLabel = "N", description = "retain until N days from now")
    int retainDays;

    @Option(names = "--mode", paramLabel = "MODE", description = "make it compliance (governance records only)")
    String mode;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (recorded in the ledger)")
    String reason;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Context c = new Context(spec);
      if (retainDays < 0) {
        throw DwException.invalidArgument("--retain-days must not be negative, was " + retainDays);
      }
      RecordInfo r = c.withStore(s -> s.extend(id, s.trustedNow().plus(Duration.ofDays(retainDays)),
          mode == null ? null : RetentionMode.parse(mode), c.caller(), reason));
      c.printRecord(r, r.id() + ": retained until " + r.retainUntil() + " (" + r.mode().wire() + ")");
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw worm delete}. */
  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = {"Delete record ID once its retention has ended and no legal hold is on; the deletion is recorded."})
  static final class Delete implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the record")
    String id;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (recorded in the ledger)")
    String reason;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Context c = new Context(spec);
      RecordInfo r = c.withStore(s -> s.delete(id, c.caller(), reason));
      c.printRecord(r, r.id() + ": deleted (ledger entry " + r.lastChange() + ")");
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw worm verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Verify the store, read-only; exit 0 when everything verifies, 1 otherwise.",
          "Checks the key, every signed checkpoint, every ledger entry, and the bytes of every record",
          "(or of ID, whose entries are also proven to a checkpoint).",
          "With --proof, verify a proof file from `dw worm proof` with nothing but the public key."})
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "ID", arity = "0..1", description = "only this record's bytes")
    String id;

    @Option(names = "--public-key", paramLabel = "PEM", description = "the ledger's public key, kept elsewhere (default: the store's own)")
    Path publicKey;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "a checkpoint (JSON) kept elsewhere: catches a ledger rewritten and re-signed")
    Path checkpoint;

    @Option(names = "--proof", paramLabel = "FILE", description = "verify this proof (JSON from dw worm proof) instead of a store")
    Path proof;

    @Option(names = "--content", paramLabel = "FILE", description = "with --proof: the record's bytes, to check their SHA-256 too")
    Path content;

    @Option(names = "--rate", paramLabel = "SIZE", description = "read at most SIZE per second (e.g. 64MiB; default: no limit)")
    String rate;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      WormCommand parent = (WormCommand) spec.parent().userObject();
      if (proof != null) {
        return verifyProof(cli, parent.json);
      }
      Context c = new Context(spec);
      PublicKey key = publicKey == null ? null : LedgerVerifier.parsePublicKey(Files.readString(publicKey));
      Checkpoint cp = checkpoint == null ? null : Json.fromBytes(Files.readAllBytes(checkpoint), Checkpoint.class, checkpoint.toString());
      long limit = rate == null ? Long.MAX_VALUE : Sizes.parse(rate);
      VerifyReport report = TamperProofStore.verifyOffline(c.dir,
          new VerifyOptions(key, cp, id, limit, progress(cli, "verify")), Time.SYSTEM);
      return printReport(cli, parent.json, report);
    }

    private int verifyProof(CliSupport cli, boolean json) throws IOException {
      RecordProof p = Json.fromBytes(Files.readAllBytes(proof), RecordProof.class, proof.toString());
      PublicKey key;
      if (publicKey != null) {
        key = LedgerVerifier.parsePublicKey(Files.readString(publicKey));
      } else {
        cli.err().println("dw: warning: no --public-key: trusting the key inside the proof, which proves consistency only");
        key = LedgerVerifier.parsePublicKey(p.publicKey());
      }
      byte[] bytes = content == null ? null : Files.readAllBytes(content);
      Verification v = LedgerVerifier.forKey(key).verifyRecord(p, bytes);
      if (json) {
        cli.printJson(Map.of("ok", v.valid(), "recordId", p.recordId(), "reason", v.reason()));
      } else if (v.valid()) {
        cli.out().println("record " + p.recordId() + ": proven (sha256 " + p.sha256() + ", checkpoint of "
            + p.checkpoint().treeSize() + " entries signed " + p.checkpoint().timestamp() + " by key " + p.checkpoint().keyId()
            + (bytes == null ? "" : "; content matches") + ")");
      } else {
        cli.err().println("dw: record " + p.recordId() + " does NOT verify: " + v.reason());
      }
      cli.out().flush();
      cli.err().flush();
      return v.valid() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
    }
  }

  /** {@code dw worm scan}. */
  @Command(name = "scan", mixinStandardHelpOptions = true,
      description = {"Run an integrity scan now and record its result in the ledger.",
          "Rate-limited by tamperproof.scan.rateLimit. Exit 0 when everything verifies, 1 with the incidents otherwise."})
  static final class Scan implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Context c = new Context(spec);
      VerifyReport report = c.withStore(s -> s.scan(progress(c.cli, "scan")));
      return printReport(c.cli, c.parent.json, report);
    }
  }

  /** {@code dw worm proof}. */
  @Command(name = "proof", mixinStandardHelpOptions = true,
      description = {"Print the proof (JSON) that record ID was written as stated.",
          "It holds the record's ledger entries, their inclusion proofs, a signed checkpoint and the public",
          "key; check it anywhere with dw worm verify --proof."})
  static final class Proof implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the record")
    String id;

    @Option(names = "--out", paramLabel = "FILE", description = "write it to FILE instead of stdout")
    Path out;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Context c = new Context(spec);
      RecordProof p = c.withStore(s -> s.proof(id));
      if (out != null) {
        Files.writeString(out, Json.toPrettyString(p));
        c.cli.out().println("wrote the proof of record " + id + " to " + out);
        c.cli.out().flush();
      } else {
        c.cli.printJson(p);
      }
      return CliSupport.EXIT_OK;
    }
  }

  static ScanProgress progress(CliSupport cli, String operation) {
    ProgressBar bar = new ProgressBar(cli.err());
    Instant start = Instant.now();
    Progress.Listener l = bar;
    return (done, total, bytes) -> l.onProgress(new Progress(operation, done, total, "records", start, done == total,
        Sizes.format(bytes)));
  }

  static int printReport(CliSupport cli, boolean json, VerifyReport r) {
    if (json) {
      cli.printJson(r);
    } else {
      cli.out().println((r.ok() ? "OK: " : "FAILED: ") + r.recordsChecked() + " record(s) (" + Sizes.format(r.bytesChecked())
          + "), " + r.entriesChecked() + " ledger entries, " + r.checkpointsChecked() + " signed checkpoint(s) checked in "
          + io.datawarehouse.sdk.config.Durations.format(r.elapsed()));
      for (Incident i : r.incidents()) {
        cli.out().println("  " + i.kind() + (i.recordId() == null ? "" : " record " + i.recordId()) + ": " + i.message());
      }
      for (String n : r.notes()) {
        cli.out().println("  note: " + n);
      }
      cli.out().flush();
    }
    return r.ok() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
  }
}
