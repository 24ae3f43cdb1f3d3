/**
 * {@code dw worm}: the tamperproof plugin's commands on the local data directory. Start with {@link
 * io.datawarehouse.server.cli.tamperproof.WormCommand}.
 */
package io.datawarehouse.server.cli.tamperproof;
