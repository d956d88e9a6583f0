/**
 * The Prometheus names of the Flink metrics that the rules and dashboards read, per version. The
 * reporter names a series `flink_` + the logical scope + `_` + the metric, with characters outside
 * [a-zA-Z0-9:_] turned into `_`; counters and meters are exported as gauges (no `_total`).
 * 2.x no longer registers `fullRestarts` and deprecates `uptime`/`downtime`, so neither is used:
 * `numRestarts` and `runningTime` exist in every cataloged version.
 */
export interface FlinkMetricNames {
  readonly registeredTaskManagers: string;
  readonly runningJobs: string;
  readonly slotsAvailable: string;
  readonly slotsTotal: string;
  readonly jobRestarts: string;
  /** How long the job has been RUNNING, in ms (`metrics.job.status.enable` CURRENT_TIME, Flink's default). */
  readonly jobRunningTime: string;
  /** 1 while the job is RUNNING: only with `metrics.job.status.enable` STATE (FlinkMonitoring's jobStatusMetrics). */
  readonly jobRunningState: string;
  readonly completedCheckpoints: string;
  readonly failedCheckpoints: string;
  readonly lastCheckpointDuration: string;
  readonly lastCheckpointSize: string;
  /** Per task, ms per second (0 to 1000). */
  readonly backPressuredTime: string;
  readonly busyTime: string;
  readonly recordsInPerSecond: string;
  readonly recordsOutPerSecond: string;
  /** JVM metrics of one role's processes: `heapUsed("taskmanager")`. */
  heapUsed(role: FlinkRoleName): string;
  heapMax(role: FlinkRoleName): string;
  /** GC time of all collectors, ms per second (1.19+). */
  gcTimePerSecond(role: FlinkRoleName): string;
  readonly managedMemoryUsed: string;
  readonly managedMemoryTotal: string;
  /** Kafka source only (not exposed by a job without one): the largest consumer lag of a reader. */
  readonly kafkaRecordsLagMax: string;
}

export type FlinkRoleName = "jobmanager" | "taskmanager";

/** The names for a catalog line such as "1.20" or "2.3". */
export function flinkMetricNames(versionLine: string): FlinkMetricNames {
  if (!/^[12]\.\d+$/.test(versionLine)) throw new Error(`no metric names for Flink line ${versionLine}`);
  const jm = "flink_jobmanager";
  const job = `${jm}_job`;
  const task = "flink_taskmanager_job_task";
  return {
    registeredTaskManagers: `${jm}_numRegisteredTaskManagers`,
    runningJobs: `${jm}_numRunningJobs`,
    slotsAvailable: `${jm}_taskSlotsAvailable`,
    slotsTotal: `${jm}_taskSlotsTotal`,
    jobRestarts: `${job}_numRestarts`,
    jobRunningTime: `${job}_runningTime`,
    jobRunningState: `${job}_runningState`,
    completedCheckpoints: `${job}_numberOfCompletedCheckpoints`,
    failedCheckpoints: `${job}_numberOfFailedCheckpoints`,
    lastCheckpointDuration: `${job}_lastCheckpointDuration`,
    lastCheckpointSize: `${job}_lastCheckpointSize`,
    backPressuredTime: `${task}_backPressuredTimeMsPerSecond`,
    busyTime: `${task}_busyTimeMsPerSecond`,
    recordsInPerSecond: `${task}_numRecordsInPerSecond`,
    recordsOutPerSecond: `${task}_numRecordsOutPerSecond`,
    heapUsed: (role) => `flink_${role}_Status_JVM_Memory_Heap_Used`,
    heapMax: (role) => `flink_${role}_Status_JVM_Memory_Heap_Max`,
    gcTimePerSecond: (role) => `flink_${role}_Status_JVM_GarbageCollector_All_TimeMsPerSecond`,
    managedMemoryUsed: "flink_taskmanager_Status_Flink_Memory_Managed_Used",
    managedMemoryTotal: "flink_taskmanager_Status_Flink_Memory_Managed_Total",
    kafkaRecordsLagMax: `${task}_operator_KafkaSourceReader_KafkaConsumer_records_lag_max`,
  };
}

/** Metrics a healthy cluster of ours may not expose, because they come from a connector the job may not use. */
export const CONNECTOR_METRICS = ["kafkaRecordsLagMax"] as const;
