package io.datawarehouse.raid;

/** Progress of a long operation (rebuild, scrub, resync). Called on the operation's thread. */
@FunctionalInterface
public interface ProgressListener {
  /** A listener that ignores progress. */
  ProgressListener NONE = (done, total) -> {};

  /** {@code done} of {@code total} units (stripes) are finished. */
  void progress(long done, long total);
}
