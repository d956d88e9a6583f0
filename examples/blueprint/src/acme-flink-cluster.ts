import { Construct } from "constructs";
import { AcmeFlinkPlatform, FLINK_RELEASE } from "./acme-flink-platform";
import { FlinkCluster, FlinkRuntime, FlinkTarget, FlinkVersion, Logging, RestartStrategy, StateBackend, parseDuration } from "./flink";

/** The TaskManager sizes app teams choose from: an instance type, its slots (one per vCPU) and Flink's share of its memory. */
export const ACME_SIZES = {
  standard: { instanceType: "c6i.2xlarge", slots: 8, process: "12g" },
  large: { instanceType: "c6i.4xlarge", slots: 16, process: "26g" },
} as const;
export type AcmeSize = keyof typeof ACME_SIZES;

/** What an app team decides; everything else is Acme's. */
export interface AcmeFlinkClusterProps {
  readonly platform: AcmeFlinkPlatform;
  /** The owning team, a tag on every resource and a label on every alert: lowercase letters, digits and '-'. */
  readonly team: string;
  /** @default "standard" */
  readonly size?: AcmeSize;
  /** TaskManagers, 2 to 12. @default 2 */
  readonly taskManagers?: number;
  /** Default parallelism of jobs, at most half the slots (a TaskManager's loss leaves room to restart). @default half the slots */
  readonly parallelism?: number;
  /** Checkpoint interval, from 10 s to 10 min. @default "30 s" */
  readonly checkpointInterval?: string;
}

const CHECKPOINT_BOUNDS_MS = [10_000, 600_000] as const;

/**
 * A Flink session cluster as Acme runs them: Flink 2.3 on EC2 behind two JobManagers with ZooKeeper HA,
 * RocksDB with incremental checkpoints on the platform's bucket, exponential-delay restarts, TLS,
 * monitoring, JSON logs in CloudWatch. App teams pick the size, the TaskManager count, parallelism and
 * checkpoint interval; anything out of Acme's bounds fails at synth with the bound.
 */
export class AcmeFlinkCluster extends Construct {
  public readonly cluster: FlinkCluster;

  constructor(scope: Construct, id: string, props: AcmeFlinkClusterProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!(props.size === undefined || props.size in ACME_SIZES)) problems.push(`size "${props.size}" is not an Acme size. Fix: use one of ${Object.keys(ACME_SIZES).join(", ")}.`);
    const size = ACME_SIZES[props.size !== undefined && props.size in ACME_SIZES ? props.size : "standard"];
    const taskManagers = props.taskManagers ?? 2;
    const slots = taskManagers * size.slots;
    const parallelism = props.parallelism ?? slots / 2;
    const interval = props.checkpointInterval ?? "30 s";
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(props.team)) problems.push(`team "${props.team}" must be 2-31 lowercase letters, digits or '-', starting with a letter. Fix: use the team's name in Acme's directory, e.g. "payments".`);
    if (!(Number.isInteger(taskManagers) && taskManagers >= 2 && taskManagers <= 12)) problems.push(`taskManagers ${taskManagers} must be a whole number from 2 to 12. Fix: for more, ask the platform team for a dedicated platform.`);
    if (!(Number.isInteger(parallelism) && parallelism >= 1 && parallelism <= slots / 2)) problems.push(`parallelism ${parallelism} must be from 1 to ${slots / 2}, half the ${slots} slots, so that a lost TaskManager leaves room to restart. Fix: lower it, or add TaskManagers.`);
    const ms = parseDuration(interval);
    if (ms === undefined || ms < CHECKPOINT_BOUNDS_MS[0] || ms > CHECKPOINT_BOUNDS_MS[1]) problems.push(`checkpointInterval "${interval}" must be from 10 s to 10 min. Fix: use e.g. "30 s".`);
    if (problems.length > 0) throw new Error(`AcmeFlinkCluster "${this.node.path}":\n  ${problems.join("\n  ")}`);

    const p = props.platform;
    this.cluster = new FlinkCluster(this, "flink", {
      version: FlinkVersion.of("2.3"),
      clusterName: `${props.team}-${id}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40).replace(/-+$/, ""),
      target: FlinkTarget.ec2({
        vpcId: p.network.vpcId,
        subnetIds: p.network.privateSubnetIds,
        amiId: p.props.amiId,
        jobManager: { instanceType: "m6i.large", count: 2 },
        taskManagers: { instanceType: size.instanceType, desired: taskManagers },
        runtime: FlinkRuntime.tarball({ release: FLINK_RELEASE, sha512: p.props.flinkTarballSha512 }),
        restAccess: { cidrs: [p.props.operationsCidr] },
        logRetentionDays: 90,
      }),
      stateStorage: p.storage,
      ha: p.ha,
      monitoring: p.monitoring,
      tls: p.tls,
      jobManager: { memory: { process: "4g" } },
      taskManager: { slots: size.slots, memory: { process: size.process } },
      parallelism,
      checkpointing: { interval, retained: 3, incremental: true, externalizedRetention: "RETAIN_ON_CANCELLATION" },
      stateBackend: StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb" }),
      restartStrategy: RestartStrategy.exponentialDelay({ initialBackoff: "1 s", maxBackoff: "2 min" }),
      logging: Logging.seedRollingFile({ format: "json" }),
      tags: { team: props.team, "acme:blueprint": "flink" },
    });
  }
}
