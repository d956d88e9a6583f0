import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { FlinkCluster, FlinkHA, FlinkMonitoring, FlinkTarget, FlinkVersion, RestartStrategy, StateBackend, ZooKeeperEnsemble, ZooKeeperPlacement } from "../../lib";

/**
 * High availability on any Kubernetes cluster: "payments" with Kubernetes HA (leader election on
 * ConfigMaps) and two JobManagers; "audit" with a ZooKeeper ensemble the stack runs as a StatefulSet.
 * Both keep their HA metadata beside their checkpoints on S3 (credentials from the pods' environment;
 * on EKS, see examples/eks for IRSA).
 */
export function kubernetesHaExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "kubernetes-ha");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const kubernetesHa = new FlinkHA(stack, "kubernetes-ha", { kubernetes: {}, storageDir: "s3://analytics-flink-state/ha" });
  // kube-prometheus-stack in namespace "monitoring" (release "monitoring") picks up the PodMonitor and
  // PrometheusRule; its Grafana sidecar loads the dashboards from their ConfigMaps.
  const monitoring = new FlinkMonitoring(stack, "monitoring", {
    scrapers: { namespaceLabels: [{ "kubernetes.io/metadata.name": "monitoring" }] },
    kubernetes: { podMonitor: { labels: { release: "monitoring" } }, prometheusRule: { labels: { release: "monitoring" } } },
  });
  const image = "flink:2.3.0-java17@sha256:0000000000000000000000000000000000000000000000000000000000000000";
  const common = {
    version: FlinkVersion.V2_3,
    taskManager: { slots: 2, memory: { process: "4g" } },
    checkpointing: { interval: "30 s", retained: 3 },
    stateBackend: StateBackend.rocksdb({}),
    restartStrategy: RestartStrategy.exponentialDelay({ maxBackoff: "1 min" }),
    monitoring,
  };
  new FlinkCluster(stack, "payments", {
    ...common,
    target: FlinkTarget.kubernetes({
      namespace: { name: "flink-payments" },
      image,
      jobManager: { replicas: 2, scheduling: { antiAffinity: "required" } },
      taskManagers: { replicas: 2 },
    }),
    ha: kubernetesHa,
    checkpointing: { ...common.checkpointing, directory: "s3://analytics-flink-state/payments/checkpoints", savepointDirectory: "s3://analytics-flink-state/payments/savepoints" },
  });

  const zookeeper = new ZooKeeperEnsemble(stack, "zookeeper", {
    servers: 3,
    placement: ZooKeeperPlacement.kubernetes({
      namespace: { name: "zookeeper" },
      image: "zookeeper:3.8.4@sha256:1111111111111111111111111111111111111111111111111111111111111111",
      storage: { size: "10Gi", storageClassName: "gp3" },
    }),
  });
  new FlinkCluster(stack, "audit", {
    ...common,
    target: FlinkTarget.kubernetes({ namespace: { name: "flink-audit" }, image, jobManager: { replicas: 2 }, taskManagers: { replicas: 1 } }),
    ha: new FlinkHA(stack, "zookeeper-ha", { zookeeper: { ensemble: zookeeper }, storageDir: "s3://analytics-flink-state/ha" }),
    checkpointing: { ...common.checkpointing, directory: "s3://analytics-flink-state/audit/checkpoints" },
  });
  return stack;
}
