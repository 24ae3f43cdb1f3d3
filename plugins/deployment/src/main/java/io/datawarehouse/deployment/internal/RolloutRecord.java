package io.datawarehouse.deployment.internal;

import io.datawarehouse.deployment.DeploymentEvent;
import io.datawarehouse.deployment.DeploymentSpec;
import io.datawarehouse.deployment.Phase;
import io.datawarehouse.deployment.TrafficStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The persisted state of one rollout (format v1, JSON in a {@code FramedFile}). Mutable; guarded by
 * the orchestrator's lock on the record.
 */
public final class RolloutRecord {
  /** The rollout id. */
  public String id;
  /** initial, rolling, canary or bluegreen. */
  public String strategy;
  /** The spec rolled out. */
  public DeploymentSpec spec;
  /** The spec it replaces, or null for a first deployment. */
  public DeploymentSpec previous;
  /** The serving layout before the rollout. */
  public Planner.Layout before;
  /** The serving layout once the plan succeeds. */
  public Planner.Layout after;
  /** The phase. */
  public Phase phase;
  /** The current plan (the rollout's, or its rollback). */
  public List<Stage> plan = new ArrayList<>();
  /** The current stage. */
  public int stageIndex;
  /** When the current stage started (orchestrator time). */
  public Instant stageSince;
  /** AWAIT_READY: since when each instance has been seen ready without a failure in between. */
  public Map<String, Instant> readySince = new TreeMap<>();
  /** ANALYZE: the router's counts when the current analysis window opened. */
  public List<TrafficStats.PoolStats> analysisStart;
  /** Failed analyses. */
  public int analysisFailures;
  /** Inconclusive analyses in a row. */
  public int inconclusive;
  /** Slot to the version the instance was last told to run. */
  public Map<Integer, String> instances = new TreeMap<>();
  /** Whether a blue-green switch to the new environment happened. */
  public boolean switched;
  /** The latest message. */
  public String message;
  /** How audit entries are going. */
  public String audit;
  /** When applied. */
  public Instant createdAt;
  /** The latest transition. */
  public Instant updatedAt;
  /** Every transition. */
  public List<DeploymentEvent> history = new ArrayList<>();
}
