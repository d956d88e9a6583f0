/**
 * What monitoring knows of one cluster once its configuration is built: everything the scrape
 * configuration, the alert rules and the dashboard derive their names and thresholds from.
 */
export interface MonitoredCluster {
  readonly clusterName: string;
  /** The full Flink version, e.g. "1.20.1" or "2.3.0". */
  readonly flinkVersion: string;
  /** The catalog line, e.g. "1.20" or "2.3". */
  readonly versionLine: string;
  /** Where the cluster runs; "none" for a cluster that only renders its files. */
  readonly target: "ec2" | "kubernetes" | "none";
  readonly mode: "session" | "application";
  /** Kubernetes: the namespace of the cluster's pods. */
  readonly namespace?: string;
  readonly jobManagers: number;
  /** How many TaskManagers should be registered (EC2's desired count, Kubernetes' replicas). */
  readonly taskManagers: number;
  readonly slotsPerTaskManager: number;
  /** Set when the cluster checkpoints: `execution.checkpointing.interval` and `.timeout` in ms. */
  readonly checkpointing?: { readonly intervalMs: number; readonly timeoutMs: number };
  /** The port Prometheus scrapes on every process: the monitoring reporter's, the first of a range. */
  readonly metricsPort: number;
}

/** The alerts FlinkMonitoring renders, in the order of the rules file. */
export const ALERT_NAMES = [
  "FlinkJobManagerDown",
  "FlinkTaskManagerLost",
  "FlinkNoRunningJobs",
  "FlinkJobRestarting",
  "FlinkCheckpointFailing",
  "FlinkCheckpointStale",
  "FlinkCheckpointSlow",
  "FlinkHighBackpressure",
  "FlinkHeapPressure",
  "FlinkSlotsExhausted",
] as const;
export type FlinkAlertName = (typeof ALERT_NAMES)[number];
