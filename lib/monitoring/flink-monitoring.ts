import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { PrometheusRuleGroupNamespace } from "@cdktf/provider-aws/lib/prometheus-rule-group-namespace";
import { PrometheusScraper } from "@cdktf/provider-aws/lib/prometheus-scraper";
import { PrometheusWorkspace } from "@cdktf/provider-aws/lib/prometheus-workspace";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { Annotations, Token } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { ClusterContribution, ClusterInfo, IamStatement, IClusterFeature, NetworkSources } from "../cluster-feature";
import { FlinkConfigError, Problems } from "../config/problems";
import { MetricReporter, PortSpec } from "../config/settings";
import { parseDuration } from "../config/units";
import { ConfigValue } from "../config/values";
import { iamPolicyDocument } from "../private/iam";
import { refusal } from "../private/report";
import { isIpv4Cidr, refuseOnEmr } from "../private/validate";
import { checkLabelKey, checkLabelValue } from "../targets/kubernetes/kubernetes-names";
import { DeployableCluster } from "../targets/target";
import { AlertRuleOptions, alertRuleGroup, checkAlertRuleOptions, parsePrometheusDuration } from "./alert-rules";
import { DashboardOptions, flinkDashboard } from "./dashboard";
import { MonitoredCluster } from "./monitored-cluster";
import { METRICS_PORT_NAME, POD_TARGET_LABELS, ScrapeOptions, prometheusConfig, scrapeJob } from "./scrape-config";

/** The files each monitored cluster's folder gets. */
export const MONITORING_FILES = { scrape: "prometheus-scrape.yml", rules: "alert-rules.yml", dashboard: "grafana-dashboard.json" } as const;

/** Flink's default checkpoint timeout (execution.checkpointing.timeout), in every cataloged version. */
const DEFAULT_CHECKPOINT_TIMEOUT_MS = 10 * 60_000;
const PROPERTY = "monitoring";

export interface FlinkMonitoringKubernetesOptions {
  /** ConfigMaps in the cluster's namespace: the dashboard for Grafana's sidecar, the scrape configuration and rules for Prometheus. @default true */
  readonly configMaps?: boolean;
  /** Labels of the dashboard's ConfigMap: what Grafana's sidecar selects. @default { grafana_dashboard: "1" } */
  readonly dashboardLabels?: Readonly<Record<string, string>>;
  /**
   * Labels of the ConfigMap that holds prometheus-scrape.yml and alert-rules.yml, for tooling that mounts
   * or syncs labelled ConfigMaps (neither Prometheus nor prometheus-operator loads them by label: mount it,
   * or use podMonitor and prometheusRule). @default - the cluster's own labels only
   */
  readonly prometheusLabels?: Readonly<Record<string, string>>;
  /** prometheus-operator: a PodMonitor with these labels, which the Prometheus resource's podMonitorSelector must match (kube-prometheus-stack: `{ release: "<release name>" }`). @default - none */
  readonly podMonitor?: { readonly labels: Readonly<Record<string, string>> };
  /** prometheus-operator: a PrometheusRule with the alert rules and these labels (its ruleSelector). @default - none */
  readonly prometheusRule?: { readonly labels: Readonly<Record<string, string>> };
}

export interface FlinkManagedPrometheusOptions {
  /** A workspace that exists; without it one is created. */
  readonly existingWorkspace?: { readonly id: string; readonly arn: string };
  /** The created workspace's alias. @default "flink" */
  readonly alias?: string;
  /** A customer managed KMS key for the created workspace. @default - an AWS owned key */
  readonly kmsKeyArn?: string;
  /**
   * EKS: a managed scraper that scrapes each Kubernetes cluster with the rendered scrape configuration into
   * the workspace. Its network interfaces live in these subnets: add their CIDRs to `scrapers.cidrs`, and
   * give its role read access to pods in the cluster's RBAC (AWS's docs, "Configuring your Amazon EKS cluster").
   */
  readonly eksScraper?: { readonly eksClusterArn: string; readonly subnetIds: readonly string[]; readonly securityGroupIds?: readonly string[] };
}

export interface FlinkMonitoringProps {
  /** Who scrapes the metrics ports: on EC2 cidrs and securityGroupIds, on Kubernetes cidrs, namespaceLabels and podLabels. @default - nobody (a warning) */
  readonly scrapers?: NetworkSources;
  /**
   * The reporter's port on every process, or off Kubernetes a range such as "9250-9260"; every process
   * is alone on its host or pod, so the scrape configuration uses the range's first port. @default 9249
   */
  readonly port?: PortSpec;
  /** The reporter's name in `metrics.reporters`. @default "prom" */
  readonly reporterName?: string;
  /** Also 1/0 gauges per job state (`metrics.job.status.enable: STATE`), e.g. `flink_jobmanager_job_runningState`. @default false */
  readonly jobStatusMetrics?: boolean;
  /** Prometheus' scrape and rule evaluation interval. @default "15s" */
  readonly scrapeInterval?: string;
  /** EC2 discovery's region. @default - the region of the instance Prometheus runs on */
  readonly ec2Region?: string;
  readonly alerts?: AlertRuleOptions;
  readonly dashboard?: DashboardOptions;
  /** Kubernetes clusters: ConfigMaps, and opt-in prometheus-operator resources. */
  readonly kubernetes?: FlinkMonitoringKubernetesOptions;
  /** Amazon Managed Service for Prometheus: a workspace with the alert rules, and for EKS a managed scraper. @default - none */
  readonly managedPrometheus?: FlinkManagedPrometheusOptions;
}

/**
 * Prometheus monitoring for any number of clusters: the reporter on every process with a `cluster` label
 * on each series, the scrape configuration for the cluster's platform, alert rules whose thresholds come
 * from the cluster's own settings, and a Grafana dashboard, all for the cluster's Flink version. Files
 * lie in each cluster's folder beside the Terraform; on Kubernetes also in ConfigMaps.
 */
export class FlinkMonitoring extends Construct implements IClusterFeature {
  /** The created managed Prometheus workspace, when one is. */
  public readonly workspace?: PrometheusWorkspace;
  private readonly props: FlinkMonitoringProps;
  private readonly refused?: FlinkConfigError;
  private discoveryGrants = 0;

  constructor(scope: Construct, id: string, props: FlinkMonitoringProps = {}) {
    super(scope, id);
    this.props = props;
    const problems = new Problems();
    if (props.reporterName !== undefined && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.reporterName)) {
      problems.error("reporterName", props.reporterName, "must be letters, digits, '_' or '-', starting with a letter", 'use "prom".');
    }
    const interval = props.scrapeInterval === undefined ? undefined : parsePrometheusDuration(props.scrapeInterval);
    if (props.scrapeInterval !== undefined && interval === undefined) {
      problems.error("scrapeInterval", props.scrapeInterval, "must be a Prometheus duration such as 15s or 1m", 'use "15s".');
    } else if (interval !== undefined && (interval < 5_000 || interval > 60_000)) {
      problems.error("scrapeInterval", props.scrapeInterval, "must be from 5s to 1m: the alert windows need several samples", 'use "15s" or "30s".');
    }
    (props.scrapers?.cidrs ?? []).forEach((cidr, i) => {
      if (!Token.isUnresolved(cidr) && !isIpv4Cidr(cidr)) problems.error(`scrapers.cidrs[${i}]`, cidr, "must be an IPv4 CIDR block such as 10.0.0.0/16", "fix the CIDR block.");
    });
    if ((props.scrapers?.cidrs ?? []).includes("0.0.0.0/0")) {
      problems.error("scrapers.cidrs", "0.0.0.0/0", "opens the metrics ports to everyone: they reveal job and host names", "give the CIDR blocks or groups of your Prometheus servers.");
    }
    for (const [name, labels] of Object.entries({ dashboardLabels: props.kubernetes?.dashboardLabels, prometheusLabels: props.kubernetes?.prometheusLabels, "podMonitor.labels": props.kubernetes?.podMonitor?.labels, "prometheusRule.labels": props.kubernetes?.prometheusRule?.labels })) {
      for (const [key, value] of Object.entries(labels ?? {})) {
        checkLabelKey(`kubernetes.${name}`, key, problems);
        checkLabelValue(`kubernetes.${name}[${JSON.stringify(key)}]`, value, problems);
      }
    }
    for (const problem of checkAlertRuleOptions(props.alerts ?? {})) problems.error(`alerts.${problem.property}`, problem.value, problem.rule, problem.fix);
    const amp = props.managedPrometheus;
    if (amp?.existingWorkspace && (amp.alias !== undefined || amp.kmsKeyArn !== undefined)) {
      problems.error("managedPrometheus", Object.keys(amp), "sets alias or kmsKeyArn, which only a created workspace takes, beside existingWorkspace", "remove alias and kmsKeyArn, or existingWorkspace.");
    }
    if (amp?.eksScraper && amp.kmsKeyArn !== undefined) {
      problems.error("managedPrometheus.kmsKeyArn", amp.kmsKeyArn, "cannot be used with eksScraper: AWS managed collectors do not write to a workspace with a customer managed key", "leave kmsKeyArn unset (an AWS owned key), or scrape with your own Prometheus.");
    }
    if (amp?.eksScraper && amp.eksScraper.subnetIds.length === 0) {
      problems.error("managedPrometheus.eksScraper.subnetIds", [], "must name at least one subnet for the scraper's network interfaces", "give the EKS cluster's private subnets.");
    }
    this.refused = refusal(this, problems, `FlinkMonitoring "${this.node.path}":`, ["workspace"]);
    if (this.refused) return;
    if (amp && !amp.existingWorkspace) {
      this.workspace = new PrometheusWorkspace(this, "Workspace", { alias: amp.alias ?? "flink", kmsKeyArn: amp.kmsKeyArn, tags: { "flink:monitoring": this.node.id } });
    }
  }

  /**
   * The IAM statement a Prometheus server needs for EC2 discovery (`ec2_sd_configs`). EC2's Describe
   * actions take no resource-level permissions, hence "*".
   */
  public static ec2DiscoveryStatement(): IamStatement {
    return { sid: "PrometheusEc2Discovery", actions: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"], resources: ["*"] };
  }

  /** Gives a Prometheus server's IAM role (by name) the EC2 discovery the scrape configuration uses. */
  public grantEc2Discovery(roleName: string): IamRolePolicy {
    const id = `Ec2Discovery${this.discoveryGrants++ || ""}`;
    return new IamRolePolicy(this, id, {
      role: roleName,
      // Named after this construct: two stacks may grant the same role.
      name: `flink-prometheus-ec2-discovery-${this.node.addr.slice(0, 12)}${this.discoveryGrants > 1 ? `-${this.discoveryGrants}` : ""}`,
      policy: iamPolicyDocument([FlinkMonitoring.ec2DiscoveryStatement()]),
    });
  }

  public bind(cluster: ClusterInfo): ClusterContribution {
    if (this.refused) throw this.refused;
    refuseOnEmr(cluster.platform, `FlinkMonitoring "${this.node.path}"`, cluster.clusterName, "scrape the EMR nodes with your own Prometheus configuration: FlinkMonitoring renders it for the EC2 and Kubernetes targets only.");
    const problems = new Problems();
    const scrapers = this.props.scrapers ?? {};
    const platform = cluster.platform?.kind;
    const foreign = platform === "ec2" ? (["namespaceLabels", "podLabels"] as const) : platform === "kubernetes" ? (["securityGroupIds"] as const) : [];
    for (const field of foreign) {
      if ((scrapers[field] ?? []).length > 0) problems.error(`scrapers.${field}`, scrapers[field], `does not apply to a cluster on ${platform}`, platform === "ec2" ? "give cidrs or securityGroupIds." : "give cidrs, namespaceLabels or podLabels.");
    }
    const k = this.props.kubernetes;
    if (platform !== "kubernetes" && k && (k.podMonitor || k.prometheusRule || k.configMaps !== undefined || k.dashboardLabels || k.prometheusLabels)) {
      problems.error("kubernetes", Object.keys(k), `applies to clusters on Kubernetes, but cluster ${cluster.clusterName} runs on ${platform ?? "no target"}`, "bind a FlinkMonitoring without kubernetes options to this cluster.");
    }
    if (platform !== "ec2" && this.props.ec2Region !== undefined) {
      problems.error("ec2Region", this.props.ec2Region, `applies to EC2 discovery, but cluster ${cluster.clusterName} runs on ${platform ?? "no target"}`, "remove ec2Region, or bind this FlinkMonitoring to EC2 clusters only.");
    }
    if (this.props.managedPrometheus?.eksScraper && platform !== "kubernetes") {
      problems.error("managedPrometheus.eksScraper", this.props.managedPrometheus.eksScraper.eksClusterArn, `scrapes Kubernetes pods, but cluster ${cluster.clusterName} runs on ${platform ?? "no target"}`, "bind this FlinkMonitoring to clusters on EKS only, or use one without eksScraper for the others.");
    }
    problems.throwIfErrors(`FlinkMonitoring "${this.node.path}" bound to cluster "${cluster.clusterName}":`);
    if (!platform && Object.values(scrapers).some((sources) => (sources ?? []).length > 0)) {
      Annotations.of(this).addWarning(`[flink:scrapers-ignored] cluster ${cluster.clusterName} has no target, so no network rule is made from scrapers: open its metrics port where you run it.`);
    } else if (platform && !Object.values(scrapers).some((sources) => (sources ?? []).length > 0)) {
      Annotations.of(this).addWarning(`[flink:metrics-unreachable] no scrapers are given, so only the target's metricsAccess may reach cluster ${cluster.clusterName}'s metrics port. Set scrapers to your Prometheus servers' addresses${platform === "ec2" ? " or security groups" : " or namespace"}.`);
    }
    const name = this.props.reporterName ?? "prom";
    const config: Record<string, ConfigValue> = {
      // Every series carries the cluster's name, whatever scrapes it.
      [`metrics.reporter.${name}.scope.variables.additional`]: { cluster: cluster.clusterName },
      // The reporter turns characters outside [a-zA-Z0-9:_] in label values into '_' by default: a cluster
      // "orders-prod" would be exported as "orders_prod" and miss every rule's selector.
      [`metrics.reporter.${name}.filterLabelValueCharacters`]: false,
    };
    if (this.props.jobStatusMetrics) config["metrics.job.status.enable"] = ["STATE", "CURRENT_TIME"];
    return {
      property: PROPERTY,
      config,
      metricReporters: [MetricReporter.prometheus({ name, port: this.props.port ?? 9249 })],
      metricsAccess: scrapers,
      afterDeploy: (deployed) => this.deliver(deployed),
    };
  }

  /** The cluster's monitoring files, and on Kubernetes and AWS the resources that carry them. */
  private deliver(cluster: DeployableCluster): Record<string, string> {
    const monitored = this.monitoredCluster(cluster);
    const options = { scrapeInterval: this.props.scrapeInterval ?? "15s", ec2Region: this.props.ec2Region };
    const problems = new Problems();
    for (const problem of checkAlertRuleOptions(this.props.alerts ?? {}, monitored)) problems.error(`alerts.${problem.property}`, problem.value, problem.rule, problem.fix);
    problems.throwIfErrors(`FlinkMonitoring "${this.node.path}" bound to cluster "${cluster.clusterName}":`);
    const rules = { groups: [alertRuleGroup(monitored, this.props.alerts)] };
    const files = {
      [MONITORING_FILES.scrape]: yaml(prometheusConfig([monitored], options, [MONITORING_FILES.rules])),
      [MONITORING_FILES.rules]: yaml(rules),
      [MONITORING_FILES.dashboard]: JSON.stringify(flinkDashboard(monitored, this.props.dashboard), null, 2) + "\n",
    };
    // In the cluster's own scope: its stack, its provider, and beside the resources it depends on.
    const scope = new Construct(cluster, "Monitoring");
    if (monitored.target === "kubernetes") this.deliverToKubernetes(scope, monitored, files, rules, cluster);
    this.deliverToManagedPrometheus(scope, monitored, rules, options);
    return files;
  }

  private monitoredCluster(cluster: DeployableCluster): MonitoredCluster {
    const entries = cluster.configuration.entries;
    const interval = entries.get("execution.checkpointing.interval");
    const timeout = entries.get("execution.checkpointing.timeout");
    const intervalMs = typeof interval === "string" ? parseDuration(interval) : undefined;
    const platform = cluster.platform;
    const taskManagers = platform?.taskManagers ?? 1;
    if (Token.isUnresolved(taskManagers)) {
      const problems = new Problems();
      problems.error("target.taskManagers", taskManagers, "is a Terraform reference, but FlinkTaskManagerLost needs the count at synth time", "give the target's TaskManager count as a number.");
      problems.throwIfErrors(`FlinkMonitoring "${this.node.path}" bound to cluster "${cluster.clusterName}":`);
    }
    // Monitoring's reporter comes after the user's (who may not add another Prometheus one).
    const metricsPort = cluster.ports.metrics[cluster.ports.metrics.length - 1];
    return {
      clusterName: cluster.clusterName,
      flinkVersion: cluster.version.version,
      versionLine: cluster.version.line ?? cluster.version.keyFamily ?? cluster.version.version,
      target: (platform?.kind ?? "none") as "none" | "ec2" | "kubernetes",
      mode: platform?.mode ?? "session",
      namespace: platform?.namespace,
      jobManagers: platform?.jobManagers ?? 1,
      taskManagers,
      slotsPerTaskManager: cluster.configuration.taskSlots ?? 1,
      checkpointing: intervalMs ? { intervalMs, timeoutMs: typeof timeout === "string" ? parseDuration(timeout)! : DEFAULT_CHECKPOINT_TIMEOUT_MS } : undefined,
      metricsPort: typeof metricsPort === "number" ? metricsPort : Number(String(metricsPort).split("-")[0]),
    };
  }

  private deliverToKubernetes(scope: Construct, cluster: MonitoredCluster, files: Record<string, string>, rules: { groups: unknown[] }, deployed: DeployableCluster): void {
    const k = this.props.kubernetes ?? {};
    // Created with the cluster when the target creates its namespace: wait for it.
    const dependsOn = deployed.node.findAll().filter((c): c is NamespaceV1 => c instanceof NamespaceV1);
    const namespace = cluster.namespace!;
    const name = `flink-${cluster.clusterName}`;
    const labels = { "app.kubernetes.io/name": "flink", "app.kubernetes.io/instance": cluster.clusterName, "app.kubernetes.io/managed-by": "cdktf-flink" };
    if (k.configMaps ?? true) {
      new ConfigMapV1(scope, "DashboardConfigMap", {
        dependsOn,
        metadata: { name: `${name}-dashboard`, namespace, labels: { ...labels, ...(k.dashboardLabels ?? { grafana_dashboard: "1" }) } },
        data: { [`${name}.json`]: files[MONITORING_FILES.dashboard] },
      });
      new ConfigMapV1(scope, "PrometheusConfigMap", {
        dependsOn,
        metadata: { name: `${name}-prometheus`, namespace, labels: { ...labels, ...k.prometheusLabels } },
        data: { [MONITORING_FILES.scrape]: files[MONITORING_FILES.scrape], [MONITORING_FILES.rules]: files[MONITORING_FILES.rules] },
      });
    }
    if (k.podMonitor) {
      new Manifest(scope, "PodMonitor", {
        dependsOn,
        manifest: {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PodMonitor",
          metadata: { name, namespace, labels: { ...labels, ...k.podMonitor.labels } },
          spec: {
            selector: { matchLabels: { "app.kubernetes.io/instance": cluster.clusterName } },
            namespaceSelector: { matchNames: [namespace] },
            podMetricsEndpoints: [
              {
                port: METRICS_PORT_NAME,
                interval: this.props.scrapeInterval ?? "15s",
                honorLabels: true,
                relabelings: POD_TARGET_LABELS.map(([source, target]) => ({ sourceLabels: [source], targetLabel: target })),
              },
            ],
          },
        },
      });
    }
    if (k.prometheusRule) {
      new Manifest(scope, "PrometheusRule", {
        dependsOn,
        manifest: { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name, namespace, labels: { ...labels, ...k.prometheusRule.labels } }, spec: rules },
      });
    }
  }

  private deliverToManagedPrometheus(scope: Construct, cluster: MonitoredCluster, rules: { groups: unknown[] }, options: ScrapeOptions): void {
    const amp = this.props.managedPrometheus;
    if (!amp) return;
    if (!amp.eksScraper) {
      Annotations.of(this).addWarning(
        `[flink:managed-prometheus-without-metrics] the workspace gets cluster ${cluster.clusterName}'s rules but no metrics: its "is it working" alerts fire until your Prometheus remote-writes to it (sigv4, the workspace's prometheus_endpoint + api/v1/remote_write). On EKS give eksScraper.`,
      );
    }
    const workspaceId = amp.existingWorkspace?.id ?? this.workspace!.id;
    const workspaceArn = amp.existingWorkspace?.arn ?? this.workspace!.arn;
    new PrometheusRuleGroupNamespace(scope, "RuleGroupNamespace", { name: `flink-${cluster.clusterName}`, workspaceId, data: yaml(rules) });
    if (amp.eksScraper) {
      new PrometheusScraper(scope, "Scraper", {
        alias: `flink-${cluster.clusterName}`,
        source: [{ eks: [{ clusterArn: amp.eksScraper.eksClusterArn, subnetIds: [...amp.eksScraper.subnetIds], securityGroupIds: amp.eksScraper.securityGroupIds ? [...amp.eksScraper.securityGroupIds] : undefined }] }],
        destination: [{ amp: [{ workspaceArn }] }],
        // The managed scraper takes the scrape interval and jobs; the rules live in the rule group namespace.
        scrapeConfiguration: yaml({ global: { scrape_interval: options.scrapeInterval }, scrape_configs: [scrapeJob(cluster, options)] }),
      });
    }
  }
}

function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
