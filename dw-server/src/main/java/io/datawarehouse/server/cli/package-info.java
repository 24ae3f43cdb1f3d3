/**
 * The {@code dw} command: {@link io.datawarehouse.server.cli.DwCommand} lists every subcommand;
 * {@link io.datawarehouse.server.cli.CliSupport} gives a command its global options, a kernel and
 * output helpers; {@link io.datawarehouse.server.cli.ProgressBar} draws progress.
 */
package io.datawarehouse.server.cli;
