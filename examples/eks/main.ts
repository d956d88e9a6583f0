import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import {
  FlinkCluster,
  FlinkEksCluster,
  FlinkMonitoring,
  FlinkStateStorage,
  FlinkTarget,
  FlinkVersion,
  FlinkVpc,
  KubernetesIdentity,
  RestartStrategy,
  StateBackend,
  eksKubernetesProvider,
} from "../../lib";

const REGION = "eu-west-1";

/**
 * Two stacks: the EKS cluster (planned on its own, first), and the Flink workload on it. Kept apart so
 * that the kubernetes provider is configured from a cluster that already exists when it plans, and so
 * that the cluster's lifecycle is not tied to every Flink change.
 */
export function eksExample(app: App): TerraformStack[] {
  const clusterStack = new TerraformStack(app, "eks-cluster");
  new AwsProvider(clusterStack, "aws", { region: REGION });
  const network = new FlinkVpc(clusterStack, "network", { cidr: "10.50.0.0/16", availabilityZones: [`${REGION}a`, `${REGION}b`, `${REGION}c`] });
  const eks = new FlinkEksCluster(clusterStack, "eks", {
    clusterName: "analytics",
    kubernetesVersion: "1.33",
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    nodeGroups: [{ name: "flink", instanceTypes: ["m6i.2xlarge"], desired: 3, min: 3, max: 6, labels: { "workload-type": "flink" } }],
  });

  const workloadStack = new TerraformStack(app, "eks-flink");
  new AwsProvider(workloadStack, "aws", { region: REGION });
  // Credentials from `aws eks get-token` on every run: they cannot expire halfway through a long apply.
  eksKubernetesProvider(workloadStack, "kubernetes", eks, { region: REGION });
  const storage = new FlinkStateStorage(workloadStack, "state", { bucket: { namePrefix: "analytics-flink-" } });
  // An Amazon Managed Service for Prometheus workspace with the rules, and its managed scraper on the
  // cluster's private subnets (admitted to the metrics port by their CIDR blocks).
  const monitoring = new FlinkMonitoring(workloadStack, "monitoring", {
    scrapers: { cidrs: network.privateSubnetCidrs, namespaceLabels: [{ "kubernetes.io/metadata.name": "monitoring" }] },
    managedPrometheus: { alias: "analytics-flink", eksScraper: { eksClusterArn: eks.arn, subnetIds: network.privateSubnetIds } },
  });
  new FlinkCluster(workloadStack, "sessions", {
    version: FlinkVersion.V2_2,
    target: FlinkTarget.kubernetes({
      namespace: { name: "flink" },
      image: "flink:2.2.0-java17",
      taskManagers: { replicas: 3, scheduling: { nodeSelector: { "workload-type": "flink" } } },
      // The ServiceAccount assumes an IAM role that holds the storage grants for this cluster's prefixes only.
      awsIdentity: KubernetesIdentity.eksIrsa(eks),
      restAccess: { namespaceLabels: [{ "kubernetes.io/metadata.name": "ingress-nginx" }] },
    }),
    stateStorage: storage,
    jobManager: { memory: { process: "2g" } },
    taskManager: { slots: 6, memory: { process: "20g" } },
    parallelism: 12,
    checkpointing: { interval: "30 s", retained: 5, incremental: true },
    stateBackend: StateBackend.rocksdb({ predefinedOptions: "FLASH_SSD_OPTIMIZED" }),
    restartStrategy: RestartStrategy.exponentialDelay({ maxBackoff: "5 min" }),
    monitoring,
  });
  return [clusterStack, workloadStack];
}
