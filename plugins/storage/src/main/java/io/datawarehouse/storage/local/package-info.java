/**
 * The {@code local} object store: objects as files under a directory, written atomically and
 * durably, verified on read, with WORM enforced by the store itself. Start with {@link
 * io.datawarehouse.storage.local.LocalObjectStore}.
 */
package io.datawarehouse.storage.local;
