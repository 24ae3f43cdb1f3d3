/**
 * {@code dw storage ...}: the storage plugin's commands. They start the storage plugin in this
 * process (on the configured data directory) and talk to it over the bus with the same
 * {@code storage.*} requests any plugin sends; files move by path, so their size is not limited
 * by the bus.
 */
package io.datawarehouse.server.cli.storage;
