import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { FlinkCluster, FlinkHA, FlinkRuntime, FlinkStateStorage, FlinkTarget, FlinkVersion, FlinkVpc, IFlinkStateStorage, StateBackend, ZooKeeperEnsemble, ZooKeeperPlacement } from "../../lib";

/**
 * An upgrade walkthrough: one EC2 stack in two versions. Before: `orders` (ZooKeeper HA, two
 * JobManagers) and `reports` (one JobManager, no HA), both Flink 1.20. After: `orders` on Flink 2.3,
 * restored from the savepoint `cdktf-flink savepoint --stop` took; `reports` untouched. Between them,
 * `cdktf-flink check-plan` passes the plan; the unsafe variants (`UpgradeWalkthroughOptions`) are the
 * plans it refuses (test/check-plan.test.ts plans them all offline).
 */

export const UPGRADE_WALKTHROUGH_STACK = "upgrade-walkthrough";
const REGION = "eu-west-1";
const ZONES = [`${REGION}a`, `${REGION}b`, `${REGION}c`];

export interface WalkthroughCluster {
  readonly version: FlinkVersion;
  /** The Flink release of the tarball. */
  readonly release: string;
  /** The savepoint to start from, under the cluster's savepoint folder. @default - none */
  readonly savepoint?: string;
}

export interface UpgradeWalkthroughOptions {
  readonly orders: WalkthroughCluster;
  readonly reports: WalkthroughCluster;
  /** ZooKeeper's path root for orders' HA data. @default "/flink" */
  readonly zookeeperPathRoot?: string;
  /** Move the state bucket out of the stack (FlinkStateStorage.fromBucketName): Terraform destroys the created one. @default false */
  readonly importStateBucket?: boolean;
}

const BEFORE: UpgradeWalkthroughOptions = {
  orders: { version: FlinkVersion.V1_20, release: "1.20.1" },
  reports: { version: FlinkVersion.V1_20, release: "1.20.1" },
};

const variable = (stack: TerraformStack, name: string, description: string) => new TerraformVariable(stack, name, { type: "string", description }).stringValue;

/** The walkthrough stack in any version; the stack id stays the same, so one state serves every version. */
export function upgradeWalkthroughStack(app: App, options: UpgradeWalkthroughOptions): TerraformStack {
  const stack = new TerraformStack(app, UPGRADE_WALKTHROUGH_STACK);
  new AwsProvider(stack, "aws", { region: REGION });
  const network = new FlinkVpc(stack, "network", { availabilityZones: ZONES });
  const bucketName = "acme-upgrade-walkthrough-flink-state";
  const storage: IFlinkStateStorage = options.importStateBucket ? FlinkStateStorage.fromBucketName(stack, "state", bucketName) : new FlinkStateStorage(stack, "state", { bucket: { name: bucketName } });
  const ami = variable(stack, "ami_id", "An Amazon Linux 2023 x86_64 AMI id of the region");
  const zookeeper = new ZooKeeperEnsemble(stack, "zookeeper", {
    servers: 3,
    placement: ZooKeeperPlacement.ec2({
      vpcId: network.vpcId,
      subnets: network.privateSubnetIds.map((subnetId, i) => ({ subnetId, availabilityZone: ZONES[i] })),
      amiId: ami,
      instanceType: "m6i.large",
      release: "3.8.4",
      sha512: variable(stack, "zookeeper_tarball_sha512", "The SHA-512 of apache-zookeeper-3.8.4-bin.tar.gz"),
    }),
  });
  const ha = new FlinkHA(stack, "ha", { zookeeper: { ensemble: zookeeper, pathRoot: options.zookeeperPathRoot } });
  const cluster = (id: "orders" | "reports", settings: WalkthroughCluster, jobManagers: number) =>
    new FlinkCluster(stack, id, {
      version: settings.version,
      target: FlinkTarget.ec2({
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        amiId: ami,
        jobManager: { instanceType: "m6i.large", count: jobManagers },
        taskManagers: { instanceType: "m6i.xlarge", desired: 2, min: 2, max: 4 },
        runtime: FlinkRuntime.tarball({ release: settings.release, sha512: variable(stack, `${id}_flink_tarball_sha512`, `The SHA-512 of flink-${settings.release}-bin-scala_2.12.tgz`) }),
      }),
      stateStorage: storage,
      ha: jobManagers > 1 ? ha : undefined,
      taskManager: { slots: 2, memory: { process: "6g" } },
      checkpointing: { interval: "30 s", retained: 3, incremental: true },
      stateBackend: StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb" }),
      restore: settings.savepoint ? { path: `${storage.pathsFor(id).savepoints}/${settings.savepoint}` } : undefined,
    });
  cluster("orders", options.orders, 2);
  cluster("reports", options.reports, 1);
  return stack;
}

/** Before the upgrade: both clusters on Flink 1.20. */
export function upgradeWalkthroughBefore(app: App): TerraformStack {
  return upgradeWalkthroughStack(app, BEFORE);
}

/** After: orders on Flink 2.3 from the savepoint taken with `cdktf-flink savepoint --stop`. */
export function upgradeWalkthroughAfter(app: App): TerraformStack {
  return upgradeWalkthroughStack(app, { ...BEFORE, orders: { version: FlinkVersion.V2_3, release: "2.3.0", savepoint: "savepoint-5f2c1a-0123456789ab" } });
}
