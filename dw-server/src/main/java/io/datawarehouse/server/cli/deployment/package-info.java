/** {@code dw deploy}: the deployment plugin's commands. */
package io.datawarehouse.server.cli.deployment;
