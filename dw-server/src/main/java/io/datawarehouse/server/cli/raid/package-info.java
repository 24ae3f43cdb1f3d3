/** {@code dw raid ...}: the commands of the raid plugin; start with {@link io.datawarehouse.server.cli.raid.RaidCommand}. */
package io.datawarehouse.server.cli.raid;
