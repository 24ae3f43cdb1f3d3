package io.datawarehouse.tamperproof;

import java.time.Duration;
import java.util.List;

/**
 * The result of {@code verify} or an integrity scan.
 *
 * @param ok whether everything verified (no incidents)
 * @param recordsChecked records whose bytes were re-hashed
 * @param bytesChecked bytes re-hashed
 * @param entriesChecked ledger entries read and hashed
 * @param checkpointsChecked signed checkpoints whose signature and root were checked
 * @param incidents what did not verify, each naming the record where it can
 * @param notes findings that are not tampering (an unrecovered torn tail left by a crash...)
 * @param elapsed how long it took
 */
public record VerifyReport(
    boolean ok,
    long recordsChecked,
    long bytesChecked,
    long entriesChecked,
    long checkpointsChecked,
    List<Incident> incidents,
    List<String> notes,
    Duration elapsed) {

  public VerifyReport {
    incidents = List.copyOf(incidents);
    notes = List.copyOf(notes);
  }
}
