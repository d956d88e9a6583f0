import { Token } from "cdktf";
import { FLINK_DIST_PROCESS_SIZE } from "../config/options";
import { parseMemorySize } from "../config/units";
import type { FlinkCluster } from "../flink-cluster";
import { FlinkStateStorage } from "../flink-state-storage";
import type { ZooKeeperEnsemble } from "../ha/zookeeper-ensemble";
import type { ZooKeeperKubernetesPlacement } from "../ha/zookeeper-kubernetes";
import type { TargetPractices } from "../targets/target";

export type PracticeSeverity = "error" | "warning";

/** What a rule found wrong: the property and value that break it. */
export interface PracticeViolation {
  readonly property: string;
  readonly value: string;
  /** What is wrong with it, in a sentence. */
  readonly problem: string;
}

/** What a rule reads of a cluster: the cluster, and its target's facts. */
export interface ClusterSubject {
  readonly cluster: FlinkCluster;
  readonly target?: TargetPractices;
}

export interface PracticeRule {
  readonly id: string;
  readonly severity: PracticeSeverity;
  /** The practice, in a line. */
  readonly description: string;
  readonly fix: string;
  readonly checkCluster?: (subject: ClusterSubject) => readonly PracticeViolation[];
  readonly checkEnsemble?: (ensemble: ZooKeeperEnsemble) => readonly PracticeViolation[];
}

/** Schemes of file systems every process reaches and that outlive the cluster. */
const DURABLE_SCHEMES = ["s3", "s3a", "s3p", "hdfs", "viewfs", "gs", "abfs", "abfss", "wasb", "wasbs", "oss"];
const DIGEST = /@sha256:[0-9a-f]{64}$/;

const entry = (cluster: FlinkCluster, key: string) => cluster.configuration.entries.get(key);
const has = (cluster: FlinkCluster, ...keys: string[]) => keys.some((key) => cluster.configuration.entries.has(key));
const violation = (property: string, value: unknown, problem: string): PracticeViolation[] => [{ property, value: String(value), problem }];

/** The ZooKeeper size rule, for an ensemble of this app and for an existing quorum's connection string. */
function quorumSize(property: string, value: string, servers: number): PracticeViolation[] {
  if (servers >= 3 && servers % 2 === 1) return [];
  const why = servers < 3 ? "fewer than 3 servers survive no server's loss" : "an even number tolerates no more failures than one server fewer";
  return violation(property, value, `is ${servers} ZooKeeper server${servers === 1 ? "" : "s"}: ${why}`);
}

/**
 * The practices FlinkBestPractices checks. Each reads what the cluster renders (its config.yaml keys),
 * what its features are, and what its target says of itself.
 */
export const PRACTICE_RULES: readonly PracticeRule[] = [
  {
    id: "FLINK-HA",
    severity: "error",
    description: "High availability is on, with a standby JobManager",
    fix: "bind ha: new FlinkHA(...) (ZooKeeper or Kubernetes) and run 2 JobManagers (EC2 jobManager.count, Kubernetes jobManager.replicas).",
    checkCluster: ({ cluster }) => {
      if (!cluster.ha) return violation("ha", "undefined", "is not set: the loss of the JobManager fails every job, and a restart starts them without their checkpoints");
      const jobManagers = cluster.platform?.jobManagers ?? 1;
      // On YARN the ResourceManager starts a new ApplicationMaster: there is no standby to run.
      if (cluster.platform?.kind !== "emr" && jobManagers < 2) return violation("target.jobManager", `${jobManagers} JobManager`, "has no standby: a failover waits until a new JobManager is scheduled and started");
      return [];
    },
  },
  {
    id: "FLINK-TLS",
    severity: "error",
    description: "Internal and REST traffic is encrypted",
    fix: "bind tls: new FlinkTls(scope, \"tls\", { internal: { secret }, rest: { secret } }) (on EMR: target.inTransitCertificates).",
    checkCluster: ({ cluster, target }) => {
      if (target?.platformTls) return [];
      return (["internal", "rest"] as const).flatMap((purpose) =>
        entry(cluster, `security.ssl.${purpose}.enabled`) === true ? [] : violation(`tls.${purpose}`, "off", purpose === "internal" ? "leaves RPC, blob and data connections (records, state) in plain text" : "leaves the REST API (job submission, savepoint paths) in plain text"),
      );
    },
  },
  {
    id: "FLINK-DURABLE-CHECKPOINTS",
    severity: "error",
    description: "Checkpointing is on, into storage every process reaches and that outlives the cluster",
    fix: "set checkpointing.interval and give the cluster a stateStorage (FlinkStateStorage on S3, or FlinkStateStorage.hdfs).",
    checkCluster: ({ cluster }) => {
      if (!has(cluster, "execution.checkpointing.interval")) return violation("checkpointing.interval", "unset", "leaves checkpointing off: a restart loses all state");
      const dir = entry(cluster, "execution.checkpointing.dir");
      if (dir === undefined) return violation("checkpointing.directory", "unset", "keeps checkpoints in the JobManager's memory, lost with it");
      const scheme = /^([a-z][a-z0-9+.-]*):/.exec(String(dir))?.[1];
      if (!DURABLE_SCHEMES.includes(scheme ?? "")) return violation("checkpointing.directory", dir, `is on ${scheme ?? "a local path"}, which other machines cannot read and which goes with the machine`);
      return [];
    },
  },
  {
    id: "FLINK-RETAINED-CHECKPOINTS",
    severity: "warning",
    description: "At least 2 completed checkpoints are retained",
    fix: "set checkpointing.retained to 2 or more.",
    checkCluster: ({ cluster }) => {
      // Without checkpointing FLINK-DURABLE-CHECKPOINTS speaks.
      if (!has(cluster, "execution.checkpointing.interval")) return [];
      const retained = Number(entry(cluster, "execution.checkpointing.num-retained") ?? 1);
      return retained >= 2 ? [] : violation("checkpointing.retained", retained, "keeps one checkpoint: if it is damaged or deleted there is none to fall back to");
    },
  },
  {
    id: "FLINK-RESTART-STRATEGY",
    severity: "warning",
    description: "A restart strategy is set explicitly",
    fix: "set restartStrategy: RestartStrategy.exponentialDelay({ ... }) (or fixedDelay / failureRate).",
    checkCluster: ({ cluster }) =>
      has(cluster, "restart-strategy.type") ? [] : violation("restartStrategy", "unset", "leaves restarts to Flink's default, which depends on whether checkpointing is on and changed between versions"),
  },
  {
    id: "FLINK-SLOTS-VCPUS",
    severity: "warning",
    description: "A TaskManager has no more slots than vCPUs",
    fix: "use fewer slots per TaskManager, or a larger instance type / CPU limit.",
    checkCluster: ({ cluster, target }) => {
      const slots = cluster.configuration.taskSlots;
      const cpus = target?.taskManagerVcpus;
      if (slots === undefined || !cpus || slots <= cpus.vcpus) return [];
      return violation("taskManager.slots", slots, `exceeds the ${cpus.vcpus} vCPUs of ${cpus.property} ${cpus.value}: the slots' tasks compete for CPU and checkpoints fall behind`);
    },
  },
  {
    id: "FLINK-RESOURCES",
    severity: "warning",
    description: "Each role's memory is sized explicitly",
    fix: "set jobManager.memory and taskManager.memory (process, or flink size) to what the instances or pods give Flink.",
    checkCluster: ({ cluster }) =>
      (["jobManager", "taskManager"] as const).flatMap((role) => {
        const prefix = role.toLowerCase();
        const sized = has(cluster, `${prefix}.memory.flink.size`, `${prefix}.memory.heap.size`, `${prefix}.memory.task.heap.size`) || parseMemorySize(String(entry(cluster, `${prefix}.memory.process.size`))) !== parseMemorySize(FLINK_DIST_PROCESS_SIZE[role]);
        return sized ? [] : violation(`${role}.memory`, "unset", `leaves the ${role === "jobManager" ? "JobManager" : "TaskManagers"} at flink-dist's ${FLINK_DIST_PROCESS_SIZE[role]}, sized for a laptop`);
      }),
  },
  {
    id: "FLINK-MONITORING",
    severity: "error",
    description: "FlinkMonitoring is bound: metrics scraped, alert rules and dashboards",
    fix: "bind monitoring: new FlinkMonitoring(scope, \"monitoring\", { scrapers }).",
    checkCluster: ({ cluster }) => (cluster.monitoring ? [] : violation("monitoring", "undefined", "is not set: no metrics are scraped and nothing alerts on a failing job")),
  },
  {
    id: "FLINK-REST-PRIVATE",
    severity: "error",
    description: "The REST API is reachable from private networks only",
    fix: "narrow the access to private CIDR blocks (10/8, 172.16/12, 192.168/16) or security groups, and reach it through a VPN or SSM.",
    checkCluster: ({ target }) => (target?.publicRest ?? []).map((s) => ({ ...s, problem: "opens the REST API, which runs any code it is sent, beyond private networks" })),
  },
  {
    id: "FLINK-IMAGE-DIGEST",
    severity: "error",
    description: "Container images are pinned by digest",
    fix: 'append the digest: "flink:2.3.0-java17@sha256:<64 hex digits>" (docker buildx imagetools inspect <image> prints it).',
    checkCluster: ({ target }) => (target?.images ?? []).filter((i) => !Token.isUnresolved(i.value) && !DIGEST.test(i.value)).map((i) => ({ ...i, problem: "is a tag, which can move: nodes started later may run another image" })),
    checkEnsemble: (ensemble) => {
      if (ensemble.placement.kind !== "kubernetes") return [];
      const image = (ensemble.placement.props as ZooKeeperKubernetesPlacement).image ?? "zookeeper:3.8.4";
      return Token.isUnresolved(image) || DIGEST.test(image) ? [] : violation("placement.image", image, "is a tag, which can move: servers started later may run another image");
    },
  },
  {
    id: "FLINK-STATE-BUCKET",
    severity: "error",
    description: "The state bucket is versioned and encrypted",
    fix: "let FlinkStateStorage create the bucket (versioned, SSE-KMS); for a bucket made elsewhere, check both and suppress this rule on the cluster with that reason.",
    checkCluster: ({ cluster }) => {
      const storage = cluster.stateStorage;
      // HDFS keeps its own replicas; FlinkStateStorage always creates a versioned SSE-KMS bucket.
      if (storage instanceof FlinkStateStorage || storage?.kind === "hdfs") return [];
      if (storage) return violation("stateStorage", storage.baseUri, "is a bucket made elsewhere: cdktf-flink cannot see whether it is versioned and encrypted");
      const dir = entry(cluster, "execution.checkpointing.dir");
      return typeof dir === "string" && /^s3[ap]?:/.test(dir) ? violation("checkpointing.directory", dir, "is a bucket no stateStorage describes: cdktf-flink cannot see whether it is versioned and encrypted") : [];
    },
  },
  {
    id: "FLINK-ZOOKEEPER-QUORUM",
    severity: "error",
    description: "A ZooKeeper quorum has an odd number of servers, at least 3",
    fix: "run 3 servers (one may fail) or 5 (two may).",
    checkCluster: ({ cluster }) => {
      const servers = cluster.ha?.zooKeeperServers;
      // An ensemble of this app is checked on the ensemble itself.
      return servers && servers.property === "zookeeper.quorum.connectString" ? quorumSize(`ha.${servers.property}`, servers.value, servers.count) : [];
    },
    checkEnsemble: (ensemble) => quorumSize("servers", String(ensemble.servers), ensemble.servers),
  },
];

export type PracticeRuleId =
  | "FLINK-HA"
  | "FLINK-TLS"
  | "FLINK-DURABLE-CHECKPOINTS"
  | "FLINK-RETAINED-CHECKPOINTS"
  | "FLINK-RESTART-STRATEGY"
  | "FLINK-SLOTS-VCPUS"
  | "FLINK-RESOURCES"
  | "FLINK-MONITORING"
  | "FLINK-REST-PRIVATE"
  | "FLINK-IMAGE-DIGEST"
  | "FLINK-STATE-BUCKET"
  | "FLINK-ZOOKEEPER-QUORUM";
