/**
 * Files that survive crashes and prove their integrity: {@link io.datawarehouse.sdk.io.AtomicFiles}
 * (write to a temporary name, force, rename, force the directory) and {@link
 * io.datawarehouse.sdk.io.FramedFile} (magic, version, CRC32C for small metadata files).
 */
package io.datawarehouse.sdk.io;
