/**
 * The runnable distribution: the {@code dw} command ({@link io.datawarehouse.server.cli}) and the
 * HTTP API ({@link io.datawarehouse.server.http}). Start with {@link io.datawarehouse.server.cli.DwCommand}.
 */
package io.datawarehouse.server;
