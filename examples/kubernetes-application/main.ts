import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { FlinkCluster, FlinkTarget, FlinkTls, FlinkVersion, KubernetesMode, MetricReporter, RestartStrategy, StateBackend, TlsSecret } from "../../lib";

/**
 * One job in application mode on any Kubernetes cluster, the provider configured from a kubeconfig.
 * The image is built FROM flink:2.2 with the job jar in /opt/flink/usrlib; the pods reach the
 * checkpoint bucket with credentials from their environment (on EKS, see examples/eks for IRSA).
 */
export function kubernetesApplicationExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "kubernetes-application");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  // TLS from cert-manager: a Certificate per store with PKCS12 keystores; the keystore password lives in a
  // Secret the platform team creates (flink-orders-keystore-password), never in Terraform.
  const certificate = TlsSecret.certManager({ issuer: { name: "internal-ca", kind: "ClusterIssuer" }, passwordSecret: { name: "flink-orders-keystore-password" } });
  const tls = new FlinkTls(stack, "tls", { internal: { secret: certificate }, rest: { secret: certificate } });
  new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_2,
    target: FlinkTarget.kubernetes({
      namespace: { name: "flink-apps" },
      image: "registry.example.com/analytics/orders-job:1.4.0",
      mode: KubernetesMode.application({ entryClass: "com.example.orders.OrdersJob", args: ["--env", "prod"] }),
      taskManagers: {
        replicas: 3,
        // RocksDB's working files on a persistent volume per TaskManager: the TaskManagers are a StatefulSet.
        localStateVolume: { size: "50Gi", storageClassName: "gp3" },
        scheduling: { nodeSelector: { "workload-type": "flink" }, tolerations: [{ key: "flink", operator: "Exists", effect: "NoSchedule" }] },
      },
      restAccess: { namespaceLabels: [{ "kubernetes.io/metadata.name": "ingress-nginx" }] },
      metricsAccess: { namespaceLabels: [{ "kubernetes.io/metadata.name": "monitoring" }] },
      // REST speaks https: the controller must too.
      ingress: { host: "orders-flink.example.com", className: "nginx", tlsSecretName: "orders-flink-tls", annotations: { "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS" } },
      labels: { team: "analytics" },
    }),
    jobManager: { memory: { process: "2g" } },
    taskManager: { slots: 4, memory: { process: "8g" } },
    parallelism: 12,
    checkpointing: { interval: "1 min", retained: 3, incremental: true, directory: "s3://analytics-flink-state/orders/checkpoints", savepointDirectory: "s3://analytics-flink-state/orders/savepoints" },
    stateBackend: StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb" }),
    restartStrategy: RestartStrategy.exponentialDelay({ maxBackoff: "2 min" }),
    metricReporters: [MetricReporter.prometheus()],
    tls,
  });
  return stack;
}
