/**
 * What `cdktf-flink check-plan` guards, shared by the constructs (which write the facts) and the
 * command (which reads them from a plan). No cdktf import: the command loads this without the library.
 */
import type { Problems } from "./config/problems";

/** The changes check-plan refuses, by rule id, with what they lose. */
export const UNSAFE_CHANGE_RULES = {
  "replace-without-ha": "replacing, restarting or destroying a stateful cluster's JobManager or TaskManagers without HA loses the running jobs",
  "upgrade-without-restore": "changing the Flink version or runtime of a stateful cluster without a new restore path starts the jobs from empty state",
  "destroys-state": "destroying the state bucket (or its key) loses every checkpoint and savepoint",
  "destroys-ha-data": "destroying ZooKeeper's data volumes or Kubernetes HA's namespace loses the jobs' HA metadata",
  "ha-cluster-id-changed": "a changed HA cluster id leaves the running jobs' HA metadata behind: the cluster starts without them",
} as const;

export type UnsafeChangeRule = keyof typeof UNSAFE_CHANGE_RULES;

/** An unsafe change a cluster's owner accepts, with why. */
export interface UnsafeChangeAcknowledgement {
  /** A rule id, e.g. "upgrade-without-restore". */
  readonly rule: string;
  /** Why the loss is accepted; printed by check-plan. */
  readonly reason: string;
}

/**
 * The facts of one deployed cluster check-plan needs, written as the Terraform output
 * `<clusterName>-deployment`; a plan's `output_changes` holds them before (applied) and after (planned).
 */
export interface ClusterDeploymentFacts {
  readonly cluster: string;
  readonly flinkVersion: string;
  /** What runs Flink: "tarball 1.20.1", "image flink:2.3.0-java17", "emr emr-7.13.0". */
  readonly runtime: string;
  readonly mode: "session" | "application";
  readonly ha: "none" | "zookeeper" | "kubernetes";
  /** Where the HA metadata is found: ZooKeeper's path root and cluster id ("/flink/orders"), or kubernetes.cluster-id; "" without HA. */
  readonly haClusterId: string;
  /** Checkpointing on, a RocksDB backend, or state storage bound. */
  readonly stateful: boolean;
  /** execution.state-recovery.path, "" when unset. */
  readonly restorePath: string;
  readonly acknowledged: readonly UnsafeChangeAcknowledgement[];
  /** Terraform addresses (`<type>.<name>`) of what runs and holds the cluster. */
  readonly resources: {
    readonly jobManager: readonly string[];
    readonly taskManagers: readonly string[];
    readonly state: readonly string[];
    readonly haData: readonly string[];
  };
}

/** The output key (before outputName) of a cluster's facts: "<clusterName>-deployment". */
export const DEPLOYMENT_OUTPUT = "deployment";

/** Checks acknowledgements: known rule ids, a reason each. Used for the cluster setting; check-plan checks its flags the same way. */
export function checkAcknowledgements(property: string, acknowledgements: readonly UnsafeChangeAcknowledgement[], problems: Problems): void {
  acknowledgements.forEach((ack, i) => {
    if (!Object.prototype.hasOwnProperty.call(UNSAFE_CHANGE_RULES, ack.rule)) {
      problems.error(`${property}[${i}].rule`, ack.rule, `is not a check-plan rule (${Object.keys(UNSAFE_CHANGE_RULES).join(", ")})`, "give one of those rule ids.");
    }
    if (typeof ack.reason !== "string" || ack.reason.trim() === "") {
      problems.error(`${property}[${i}].reason`, ack.reason, "must say why the loss is accepted", 'give a reason, e.g. "fresh start after the schema change".');
    }
  });
}
