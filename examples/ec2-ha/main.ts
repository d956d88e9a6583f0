import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import {
  FlinkCluster,
  FlinkHA,
  FlinkMonitoring,
  FlinkRuntime,
  FlinkTls,
  FlinkStateStorage,
  FlinkTarget,
  FlinkVersion,
  FlinkVpc,
  RestartStrategy,
  StateBackend,
  TlsSecret,
  ZooKeeperEnsemble,
  ZooKeeperPlacement,
} from "../../lib";

const REGION = "eu-west-1";
/** The Flink release each line's tarball is downloaded as. */
const RELEASE: Readonly<Record<string, string>> = { "1.20": "1.20.1", "2.0": "2.0.0", "2.1": "2.1.0", "2.2": "2.2.0", "2.3": "2.3.0" };

/** A Terraform variable that must be 128 hex digits: a tarball's SHA-512. */
function sha512Variable(stack: TerraformStack, name: string, description: string): string {
  return new TerraformVariable(stack, name, {
    type: "string",
    description,
    validation: [{ condition: `\${can(regex("^[0-9a-f]{128}$", var.${name}))}`, errorMessage: `${name} must be 128 hex digits.` }],
  }).stringValue;
}

function amiId(stack: TerraformStack): string {
  return new TerraformVariable(stack, "ami_id", {
    type: "string",
    description: "An Amazon Linux 2023 x86_64 AMI id of the region (SSM parameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)",
    validation: [{ condition: '${can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))}', errorMessage: "ami_id must look like ami-0123456789abcdef0." }],
  }).stringValue;
}

/**
 * A highly available session cluster on EC2: a three-server ZooKeeper ensemble over three zones, two
 * JobManagers behind an internal load balancer, two TaskManagers, checkpoints and HA metadata on S3,
 * and FlinkMonitoring (EC2 discovery for the platform's Prometheus, the rules in a managed workspace).
 * `version` lets the tests render the same stack for every Flink line.
 */
export function ec2HaStack(app: App, id: string, version: FlinkVersion): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: REGION });
  const zones = [`${REGION}a`, `${REGION}b`, `${REGION}c`];
  const network = new FlinkVpc(stack, "network", { availabilityZones: zones });
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: `${id}-state-` } });
  const ami = amiId(stack);
  const zookeeper = new ZooKeeperEnsemble(stack, "zookeeper", {
    servers: 3,
    placement: ZooKeeperPlacement.ec2({
      vpcId: network.vpcId,
      subnets: network.privateSubnetIds.map((subnetId, i) => ({ subnetId, availabilityZone: zones[i] })),
      amiId: ami,
      instanceType: "m6i.large",
      release: "3.8.4",
      sha512: sha512Variable(stack, "zookeeper_tarball_sha512", "The SHA-512 of apache-zookeeper-3.8.4-bin.tar.gz, from the .sha512 file published beside it"),
    }),
  });
  const ha = new FlinkHA(stack, "ha", { zookeeper: { ensemble: zookeeper } });
  // Prometheus servers in the platform VPC scrape the cluster through EC2 discovery; the rules also go
  // to an Amazon Managed Service for Prometheus workspace.
  const monitoring = new FlinkMonitoring(stack, "monitoring", {
    scrapers: { cidrs: ["10.40.0.0/16"] },
    ec2Region: REGION,
    managedPrometheus: { alias: `${id}-flink` },
    alerts: { labels: { team: "payments" } },
  });
  monitoring.grantEc2Discovery(
    new TerraformVariable(stack, "prometheus_role_name", { type: "string", description: "The IAM role of the Prometheus servers, which EC2 discovery runs as" }).stringValue,
  );
  const release = RELEASE[version.line!];
  new FlinkCluster(stack, "orders", {
    version,
    target: FlinkTarget.ec2({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      amiId: ami,
      jobManager: { instanceType: "m6i.large", count: 2 },
      taskManagers: { instanceType: "m6i.xlarge", desired: 2, min: 2, max: 4 },
      runtime: FlinkRuntime.tarball({
        release,
        sha512: sha512Variable(stack, "flink_tarball_sha512", `The SHA-512 of flink-${release}-bin-scala_2.12.tgz, from the .sha512 file published beside it`),
      }),
      restAccess: { cidrs: ["10.40.0.0/16"] },
    }),
    stateStorage: storage,
    ha,
    monitoring,
    jobManager: { memory: { process: "2g" } },
    taskManager: { slots: 2, memory: { process: "6g" } },
    // Half the slots: the job survives the loss of a TaskManager on the other one's.
    parallelism: 2,
    checkpointing: { interval: "10 s", mode: "EXACTLY_ONCE", retained: 3, incremental: true },
    stateBackend: StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb" }),
    restartStrategy: RestartStrategy.exponentialDelay({ initialBackoff: "1 s", maxBackoff: "1 min" }),
    tags: { team: "payments" },
  });
  return stack;
}

export function ec2HaExample(app: App): TerraformStack {
  return ec2HaStack(app, "ec2-ha", FlinkVersion.V2_3);
}

/**
 * A cluster on a ZooKeeper quorum that already runs (another team's, or an MSK-style managed one): the
 * cluster opens the client port from its own security groups to the quorum's group.
 */
export function ec2ExistingQuorumExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "ec2-existing-quorum");
  new AwsProvider(stack, "aws", { region: REGION });
  const network = new FlinkVpc(stack, "network", { availabilityZones: [`${REGION}a`, `${REGION}b`] });
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: "ec2-existing-quorum-state-" } });
  const quorumSecurityGroup = new TerraformVariable(stack, "zookeeper_security_group_id", {
    type: "string",
    description: "The security group of the existing ZooKeeper servers",
    validation: [{ condition: '${can(regex("^sg-[0-9a-f]{8,17}$", var.zookeeper_security_group_id))}', errorMessage: "zookeeper_security_group_id must look like sg-0123456789abcdef0." }],
  }).stringValue;
  const ha = new FlinkHA(stack, "ha", {
    zookeeper: {
      quorum: { connectString: "zk-1.platform.internal:2181,zk-2.platform.internal:2181,zk-3.platform.internal:2181", securityGroupId: quorumSecurityGroup },
      // A shared quorum: this team's clusters live under their own root.
      pathRoot: "/flink/reporting",
      sessionTimeout: "30 s",
    },
  });
  // TLS inside the cluster and on REST. Terraform creates the secrets without a value: an operator puts
  // {"tls.crt": ..., "tls.key": ..., "ca.crt": ...} into each (aws secretsmanager put-secret-value), so no
  // key is ever in the Terraform JSON or state; each node reads them at every start.
  const secret = (id: string, what: string) => new SecretsmanagerSecret(stack, id, { namePrefix: `ec2-existing-quorum/reports/${id}-`, description: `Flink reports: ${what} (PEM tls.crt, tls.key, ca.crt)` });
  const tls = new FlinkTls(stack, "tls", {
    internal: { secret: TlsSecret.secretsManager(secret("internal-tls", "certificate for RPC, blob and data connections").arn) },
    rest: { secret: TlsSecret.secretsManager(secret("rest-tls", "certificate of the REST API and web UI").arn) },
  });
  new FlinkCluster(stack, "reports", {
    version: FlinkVersion.V1_20,
    target: FlinkTarget.ec2({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      amiId: amiId(stack),
      jobManager: { instanceType: "m6i.large" },
      taskManagers: { instanceType: "m6i.xlarge", desired: 2 },
      runtime: FlinkRuntime.tarball({ release: "1.20.1", sha512: sha512Variable(stack, "flink_tarball_sha512", "The SHA-512 of flink-1.20.1-bin-scala_2.12.tgz") }),
    }),
    stateStorage: storage,
    // One JobManager with HA: after a crash or a replacement it recovers the running jobs.
    ha,
    tls,
    taskManager: { slots: 4, memory: { process: "12g" } },
    checkpointing: { interval: "1 min", retained: 2 },
    stateBackend: StateBackend.rocksdb({}),
    restartStrategy: RestartStrategy.exponentialDelay({ maxBackoff: "2 min" }),
  });
  return stack;
}
