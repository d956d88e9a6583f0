import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { App, Aspects, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import {
  FlinkBestPractices,
  FlinkCluster,
  FlinkEksCluster,
  FlinkHA,
  FlinkMonitoring,
  FlinkRuntime,
  FlinkStateStorage,
  FlinkTarget,
  FlinkTls,
  FlinkVersion,
  FlinkVpc,
  FlinkLogShipping,
  KubernetesIdentity,
  LogShipping,
  Logging,
  StateBackend,
  TlsSecret,
  ZooKeeperEnsemble,
  ZooKeeperPlacement,
  eksKubernetesProvider,
} from "../../lib";
import { FlinkClusterProps } from "../../lib/flink-cluster";
import { seedProductionProps } from "../config-only/main";

const REGION = "eu-west-1";
const ZONES = [`${REGION}a`, `${REGION}b`, `${REGION}c`];
export const PRODUCTION_VERSION = FlinkVersion.V2_3;
const FLINK_RELEASE = "2.3.0";
/** The official image of that release, pinned by digest: replace the digest with the one your registry serves. */
const FLINK_IMAGE = "flink:2.3.0-java17@sha256:5a8e3f0c1d2b4a6978e0f1c2d3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a";

/**
 * The seed tutorial's production cluster (its section 7) as settings, the same on every target: 16
 * slots, 8192m TaskManagers, a 4096m JobManager heap, the seed's RocksDB tuning, 30 s exactly-once
 * checkpoints keeping 5, exponential-delay restarts, parallelism 8. What the target decides is left
 * out: the JobManager's address, directories on storage (the cluster's stateStorage gives them), and
 * the Prometheus reporter (FlinkMonitoring adds it).
 */
export function productionSettings(clusterName: string): FlinkClusterProps {
  const seed = seedProductionProps(PRODUCTION_VERSION, clusterName);
  const { rpcAddress: _address, ...jobManager } = seed.jobManager!;
  const { directory: _checkpoints, savepointDirectory: _savepoints, ...checkpointing } = seed.checkpointing!;
  return {
    ...seed,
    jobManager,
    checkpointing: { ...checkpointing, incremental: true },
    metricReporters: undefined,
    // One JSON object per line: CloudWatch Logs Insights and Fluent Bit read the fields.
    logging: Logging.seedRollingFile({ format: "json" }),
    rawConfig: {
      "state.backend.rocksdb.compaction.level.target-file-size-base": "64mb",
      "state.backend.rocksdb.compaction.level.max-size-level-base": "256mb",
    },
  };
}

function variable(stack: TerraformStack, name: string, description: string, pattern: string, example: string): string {
  return new TerraformVariable(stack, name, {
    type: "string",
    description,
    validation: [{ condition: `\${can(regex("${pattern}", var.${name}))}`, errorMessage: `${name} must look like ${example}.` }],
  }).stringValue;
}

/**
 * Production on EC2: three zones, a three-server ZooKeeper ensemble, two JobManagers behind an internal
 * load balancer, four TaskManagers of 16 vCPUs, state on a versioned SSE-KMS bucket, internal and REST
 * TLS from Secrets Manager, FlinkMonitoring (EC2 discovery for the platform's Prometheus, rules and dashboards), JSON logs shipped to CloudWatch,
 * and FlinkBestPractices on the whole stack.
 */
export function productionEc2Example(app: App): TerraformStack {
  const stack = new TerraformStack(app, "production-ec2");
  new AwsProvider(stack, "aws", { region: REGION });
  Aspects.of(stack).add(new FlinkBestPractices());
  const network = new FlinkVpc(stack, "network", { availabilityZones: ZONES });
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: "production-flink-state-" } });
  const ami = variable(stack, "ami_id", "An Amazon Linux 2023 x86_64 AMI id of the region (SSM parameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)", "^ami-[0-9a-f]{8,17}$", "ami-0123456789abcdef0");
  const sha512 = (name: string, file: string) => variable(stack, name, `The SHA-512 of ${file}, from the .sha512 file published beside it`, "^[0-9a-f]{128}$", "128 hex digits");

  const zookeeper = new ZooKeeperEnsemble(stack, "zookeeper", {
    servers: 3,
    placement: ZooKeeperPlacement.ec2({
      vpcId: network.vpcId,
      subnets: network.privateSubnetIds.map((subnetId, i) => ({ subnetId, availabilityZone: ZONES[i] })),
      amiId: ami,
      instanceType: "m6i.large",
      release: "3.8.4",
      sha512: sha512("zookeeper_tarball_sha512", "apache-zookeeper-3.8.4-bin.tar.gz"),
    }),
  });
  const ha = new FlinkHA(stack, "ha", { zookeeper: { ensemble: zookeeper } });

  // Terraform creates the secrets empty; an operator puts {"tls.crt", "tls.key", "ca.crt"} into each
  // (aws secretsmanager put-secret-value), so no key is in the Terraform JSON or state.
  const secret = (id: string, what: string) => new SecretsmanagerSecret(stack, id, { namePrefix: `production-flink/${id}-`, description: `Flink production: ${what} (PEM tls.crt, tls.key, ca.crt)` });
  const tls = new FlinkTls(stack, "tls", {
    internal: { secret: TlsSecret.secretsManager(secret("internal-tls", "certificate for RPC, blob and data connections").arn) },
    rest: { secret: TlsSecret.secretsManager(secret("rest-tls", "certificate of the REST API and web UI").arn) },
    protocol: "TLSv1.3",
  });

  const platformNetwork = "10.40.0.0/16";
  const monitoring = new FlinkMonitoring(stack, "monitoring", {
    scrapers: { cidrs: [platformNetwork] },
    ec2Region: REGION,
    alerts: { labels: { team: "streaming" } },
  });
  monitoring.grantEc2Discovery(new TerraformVariable(stack, "prometheus_role_name", { type: "string", description: "The IAM role of the Prometheus servers, which EC2 discovery runs as" }).stringValue);

  const cluster = new FlinkCluster(stack, "production", {
    ...productionSettings("production"),
    target: FlinkTarget.ec2({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      amiId: ami,
      // A 4096m heap with the seed's off-heap and metaspace is a 5.6 GiB process.
      jobManager: { instanceType: "m6i.xlarge", count: 2 },
      // 16 slots, one per vCPU; 8192m of the 32 GiB for Flink, the rest the page cache RocksDB reads through.
      taskManagers: { instanceType: "c6i.4xlarge", desired: 4, min: 4, max: 8 },
      runtime: FlinkRuntime.tarball({ release: FLINK_RELEASE, sha512: sha512("flink_tarball_sha512", `flink-${FLINK_RELEASE}-bin-scala_2.12.tgz`) }),
      restAccess: { cidrs: [platformNetwork] },
      logRetentionDays: 90,
    }),
    stateStorage: storage,
    ha,
    tls,
    monitoring,
    stateBackend: productionRocksDb("/var/lib/flink/rocksdb"),
    tags: { team: "streaming", environment: "production" },
  });

  // What operators look up: the cluster's own outputs (REST URL, log group) come from the target.
  new TerraformOutput(stack, "state-bucket", { value: storage.bucketName, description: "The bucket of checkpoints, savepoints and HA metadata" });
  new TerraformOutput(stack, "zookeeper-connect", { value: zookeeper.connectString, description: "The ZooKeeper quorum of Flink's HA" });
  new TerraformOutput(stack, "flink-files", { value: `cdktf.out/stacks/production-ec2/flink/${cluster.clusterName}`, description: "The rendered config.yaml, log4j, scrape configuration, rules and dashboard" });
  return stack;
}

/** The seed's RocksDB tuning, with the local directory the target's disks give. */
function productionRocksDb(localDir: string): StateBackend {
  return StateBackend.rocksdb({ ...seedProductionProps(PRODUCTION_VERSION, "seed").stateBackend!.rocksdb, localDir });
}

/**
 * Production on EKS: the cluster stack (three zones, nodes of 32 vCPUs) and the Flink stack on it:
 * Kubernetes HA with two JobManagers, the image pinned by digest, IRSA for the state bucket, TLS from
 * cert-manager, the managed Prometheus scraper, and CloudWatch log shipping through the EKS add-on.
 */
export function productionEksExample(app: App): TerraformStack[] {
  const clusterStack = new TerraformStack(app, "production-eks-cluster");
  new AwsProvider(clusterStack, "aws", { region: REGION });
  const network = new FlinkVpc(clusterStack, "network", { cidr: "10.60.0.0/16", availabilityZones: ZONES });
  const eks = new FlinkEksCluster(clusterStack, "eks", {
    clusterName: "streaming",
    kubernetesVersion: "1.33",
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    // A 16-CPU TaskManager and a JobManager per node, with room for the node's daemons.
    nodeGroups: [{ name: "flink", instanceTypes: ["c6i.8xlarge"], desired: 3, min: 3, max: 6, labels: { "workload-type": "flink" } }],
  });
  // Every container's stdout (Flink's JSON lines) to CloudWatch Logs, kept 90 days, through the EKS add-on.
  new FlinkLogShipping(clusterStack, "logs", { destination: LogShipping.cloudWatchObservability({ eksCluster: eks, retentionDays: 90 }) });

  const stack = new TerraformStack(app, "production-eks-flink");
  new AwsProvider(stack, "aws", { region: REGION });
  eksKubernetesProvider(stack, "kubernetes", eks, { region: REGION });
  Aspects.of(stack).add(new FlinkBestPractices());
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: "streaming-flink-state-" } });
  const monitoring = new FlinkMonitoring(stack, "monitoring", {
    scrapers: { cidrs: network.privateSubnetCidrs, namespaceLabels: [{ "kubernetes.io/metadata.name": "monitoring" }] },
    managedPrometheus: { alias: "streaming-flink", eksScraper: { eksClusterArn: eks.arn, subnetIds: network.privateSubnetIds } },
    alerts: { labels: { team: "streaming" } },
  });
  // cert-manager signs both certificates; the PKCS12 password lives in a Secret made beside it.
  const issuer = { name: "platform-ca", kind: "ClusterIssuer" as const };
  const tls = new FlinkTls(stack, "tls", {
    internal: { secret: TlsSecret.certManager({ issuer, passwordSecret: { name: "flink-internal-store-password" } }) },
    rest: { secret: TlsSecret.certManager({ issuer, passwordSecret: { name: "flink-rest-store-password" } }) },
    protocol: "TLSv1.3",
  });
  new FlinkCluster(stack, "production", {
    ...productionSettings("production"),
    target: FlinkTarget.kubernetes({
      namespace: { name: "flink-production" },
      image: FLINK_IMAGE,
      jobManager: { replicas: 2, scheduling: { antiAffinity: "required", nodeSelector: { "workload-type": "flink" } } },
      taskManagers: {
        replicas: 4,
        resources: { cpuRequest: 16 },
        scheduling: { nodeSelector: { "workload-type": "flink" } },
      },
      awsIdentity: KubernetesIdentity.eksIrsa(eks),
      restAccess: { namespaceLabels: [{ "kubernetes.io/metadata.name": "ingress-nginx" }] },
    }),
    stateStorage: storage,
    ha: new FlinkHA(stack, "ha", { kubernetes: {} }),
    tls,
    monitoring,
    stateBackend: productionRocksDb("/opt/flink/rocksdb"),
    tags: { team: "streaming", environment: "production" },
  });
  return [clusterStack, stack];
}
