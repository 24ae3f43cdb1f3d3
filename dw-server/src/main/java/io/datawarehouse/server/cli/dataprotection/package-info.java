/** {@code dw backup}: the dataprotection plugin's commands, working on a repository directory. */
package io.datawarehouse.server.cli.dataprotection;
