package io.datawarehouse.raid.internal.replication;

/**
 * One chunk of a snapshot image on {@code replication.snapshot.send}.
 *
 * @param transfer id of this transfer (the same for all its chunks)
 * @param sourceArray id of the array the snapshot was taken of
 * @param snapshot the snapshot's name
 * @param capacity bytes of the whole image
 * @param blockSize the source array's block size
 * @param offset where this chunk goes in the image
 * @param data the bytes, base64
 * @param crc32c CRC32C of the bytes
 * @param last whether this is the final chunk
 * @param sha256 SHA-256 of the whole image, hex (on the final chunk)
 */
public record SnapshotChunk(
    String transfer, String sourceArray, String snapshot, long capacity, int blockSize, long offset, String data, int crc32c, boolean last, String sha256) {

  /**
   * The receiver's answer.
   *
   * @param transfer the transfer
   * @param received bytes of the image received so far (the next offset to send)
   * @param complete whether the image is complete and verified
   * @param id under which the receiver keeps it, once complete
   */
  public record Ack(String transfer, long received, boolean complete, String id) {}
}
