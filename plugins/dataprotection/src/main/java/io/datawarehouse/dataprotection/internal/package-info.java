/**
 * Implementation of the repository format (version 1) and its operations; not API. Start at
 * {@link io.datawarehouse.dataprotection.internal.RepoLayout} for the files,
 * {@link io.datawarehouse.dataprotection.internal.BackupRun} for the pipeline.
 */
package io.datawarehouse.dataprotection.internal;
