import { MonitoredCluster } from "./monitored-cluster";

/** One Prometheus relabelling step, as prometheus.yml writes it. */
export interface RelabelConfig {
  readonly source_labels?: readonly string[];
  readonly regex?: string;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly action?: "keep" | "replace";
}

export interface ScrapeOptions {
  /** @default "15s" */
  readonly scrapeInterval: string;
  /** EC2 discovery's region. @default - the region of the instance Prometheus runs on */
  readonly ec2Region?: string;
}

/** The EC2 tags the EC2 target puts on every instance, as Prometheus' discovery names them. */
const EC2_TAG = { cluster: "__meta_ec2_tag_flink_cluster", component: "__meta_ec2_tag_flink_component", version: "__meta_ec2_tag_flink_version" };
/** The labels the Kubernetes target puts on every pod. */
const POD_LABEL = {
  cluster: "__meta_kubernetes_pod_label_app_kubernetes_io_instance",
  component: "__meta_kubernetes_pod_label_app_kubernetes_io_component",
  version: "__meta_kubernetes_pod_label_app_kubernetes_io_version",
};
/** The container port the Kubernetes target names after the first metrics reporter. */
export const METRICS_PORT_NAME = "metrics";

/** The pod labels and meta labels that become target labels, for the scrape job and the PodMonitor alike. */
export const POD_TARGET_LABELS: ReadonlyArray<readonly [string, string]> = [
  [POD_LABEL.cluster, "cluster"],
  [POD_LABEL.component, "component"],
  [POD_LABEL.version, "flink_version"],
  ["__meta_kubernetes_pod_name", "instance"],
];

const copy = (source: string, target: string): RelabelConfig => ({ source_labels: [source], target_label: target });
const keep = (source: string, regex: string): RelabelConfig => ({ source_labels: [source], regex, action: "keep" });

/**
 * The scrape job of one cluster: its targets found by the platform's discovery, filtered to the
 * cluster's own processes, with the labels `cluster`, `component`, `flink_version` and `instance`.
 * `honor_labels` keeps the `cluster` label Flink puts on its series itself (the reporter's scope
 * variables): without it Prometheus would rename it `exported_cluster` beside the target's own.
 */
export function scrapeJob(cluster: MonitoredCluster, options: ScrapeOptions): Record<string, unknown> {
  const name = cluster.clusterName;
  const base = { job_name: `flink-${name}`, scrape_interval: options.scrapeInterval, honor_labels: true, metrics_path: "/metrics" };
  switch (cluster.target) {
    case "ec2":
      return {
        ...base,
        ec2_sd_configs: [
          {
            ...(options.ec2Region ? { region: options.ec2Region } : {}),
            port: cluster.metricsPort,
            filters: [
              { name: "tag:flink:cluster", values: [name] },
              { name: "instance-state-name", values: ["running"] },
            ],
          },
        ],
        relabel_configs: [
          keep(EC2_TAG.component, "jobmanager|taskmanager"),
          copy(EC2_TAG.cluster, "cluster"),
          copy(EC2_TAG.component, "component"),
          copy(EC2_TAG.version, "flink_version"),
          copy("__meta_ec2_instance_id", "instance"),
        ],
      };
    case "kubernetes":
      return {
        ...base,
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [cluster.namespace] }, selectors: [{ role: "pod", label: `app.kubernetes.io/instance=${name}` }] }],
        relabel_configs: [
          keep(POD_LABEL.cluster, name),
          keep("__meta_kubernetes_pod_container_port_name", METRICS_PORT_NAME),
          ...POD_TARGET_LABELS.map(([source, target]) => copy(source, target)),
        ],
      };
    case "none":
      // No platform to discover: the operator lists host:port targets, each with its component label.
      return {
        ...base,
        file_sd_configs: [{ files: [`flink-${name}-targets.json`] }],
        relabel_configs: [
          keep("component", "jobmanager|taskmanager"),
          { target_label: "cluster", replacement: name },
          { target_label: "flink_version", replacement: cluster.flinkVersion },
        ],
      };
  }
}

/** A whole prometheus.yml: the cluster's scrape job and its rules file beside it, so promtool checks both. */
export function prometheusConfig(clusters: readonly MonitoredCluster[], options: ScrapeOptions, ruleFiles: readonly string[]): Record<string, unknown> {
  return {
    global: { scrape_interval: options.scrapeInterval, evaluation_interval: options.scrapeInterval },
    rule_files: [...ruleFiles],
    scrape_configs: clusters.map((cluster) => scrapeJob(cluster, options)),
  };
}
