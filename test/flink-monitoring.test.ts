import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { parse, stringify } from "yaml";
import { ALERT_NAMES, FlinkCluster, FlinkClusterProps, FlinkMonitoring, FlinkMonitoringProps, FlinkTarget, FlinkVersion, MONITORING_FILES, MetricReporter } from "../lib";
import { dashboardExpressions } from "../lib/monitoring/dashboard";
import { KubernetesTargetProps } from "../lib/targets/kubernetes/kubernetes-target";
import { EC2_TARGET } from "./fixtures/ec2-target";
import { addExamples } from "./helpers/examples";
import { describeWithPrometheus, promtool } from "./helpers/prometheus";
import { parsePromQL } from "./helpers/promql";
import { resourcesOf as all, synthStack } from "./helpers/synth";

const K8S_TARGET: KubernetesTargetProps = { namespace: { name: "flink" }, image: "flink:2.3.0-java17", taskManagers: { replicas: 3 } };

function ec2Stack(monitoring: FlinkMonitoringProps, cluster: Partial<FlinkClusterProps> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, "mon");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const m = new FlinkMonitoring(stack, "monitoring", monitoring);
    new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, target: FlinkTarget.ec2(EC2_TARGET), monitoring: m, checkpointing: { interval: "1 min" }, ...cluster });
    return stack;
  });
}

function k8sStack(monitoring: FlinkMonitoringProps, target: Partial<KubernetesTargetProps> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, "mon");
    new KubernetesProvider(stack, "kubernetes", {});
    const m = new FlinkMonitoring(stack, "monitoring", monitoring);
    new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, target: FlinkTarget.kubernetes({ ...K8S_TARGET, ...target }), monitoring: m, taskManager: { slots: 2 } });
    return stack;
  });
}

const read = (flinkDir: string, file: string) => fs.readFileSync(path.join(flinkDir, "orders", file), "utf8");

describe("FlinkMonitoring: the reporter", () => {
  test.each([FlinkVersion.V1_20, FlinkVersion.V2_3])("Flink %s: the Prometheus reporter by factory class, a cluster label on every series, job status gauges on request", (version) => {
    const { flinkDir } = synthStack((app) => {
      const stack = new TerraformStack(app, "mon");
      new FlinkCluster(stack, "orders", { version, monitoring: new FlinkMonitoring(stack, "m", { port: "9250-9260", jobStatusMetrics: true }) });
      return stack;
    });
    const config = parse(read(flinkDir, "config.yaml"));
    expect(config["metrics.reporters"]).toBe("prom");
    expect(config["metrics.reporter.prom.factory.class"]).toBe("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    expect(config["metrics.reporter.prom.port"]).toBe("9250-9260");
    expect(config["metrics.reporter.prom.scope.variables.additional"]).toBe("cluster:orders");
    // Label values as given: with Flink's default filter a cluster "orders-prod" would be exported "orders_prod".
    expect(config["metrics.reporter.prom.filterLabelValueCharacters"]).toBe(false);
    expect(config["metrics.job.status.enable"]).toEqual(["STATE", "CURRENT_TIME"]);
    expect(Object.keys(config).filter((k) => /\.(class|host)$/.test(k) && !k.endsWith("factory.class"))).toEqual([]);
  });

  test("a port range: EC2 discovery scrapes its first port (every process is alone on its instance)", () => {
    const { flinkDir } = ec2Stack({ port: "9250-9260" });
    expect(parse(read(flinkDir, MONITORING_FILES.scrape)).scrape_configs[0].ec2_sd_configs[0].port).toBe(9250);
  });

  test("a Prometheus reporter in metricReporters beside monitoring is an error naming both", () => {
    const app = new App();
    const stack = new TerraformStack(app, "mon");
    const monitoring = new FlinkMonitoring(stack, "m");
    expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, monitoring, metricReporters: [MetricReporter.prometheus({ name: "p2" })] })).toThrow(
      /metricReporters\[0\] configures the same reporter \(org\.apache\.flink\.metrics\.prometheus\.PrometheusReporterFactory\) as monitoring.*Fix: remove it from metricReporters\[0\]/s,
    );
  });
});

describe("FlinkMonitoring on EC2", () => {
  const { tf, flinkDir } = ec2Stack({ scrapers: { cidrs: ["10.40.0.0/16"], securityGroupIds: ["sg-0123456789abcdef0"] }, ec2Region: "eu-west-1" });

  test("the metrics port opens to the scrapers only, on JobManagers and TaskManagers", () => {
    const metrics = all(tf, "aws_vpc_security_group_ingress_rule").filter((r) => r.from_port === 9249);
    expect(metrics.map((r) => `${r.security_group_id.match(/aws_security_group\.(\w+)\./)[1]} ${r.cidr_ipv4 ?? r.referenced_security_group_id}`).sort()).toEqual([
      expect.stringMatching(/JobManager.* 10\.40\.0\.0\/16$/),
      expect.stringMatching(/JobManager.* sg-0123456789abcdef0$/),
      expect.stringMatching(/TaskManager.* 10\.40\.0\.0\/16$/),
      expect.stringMatching(/TaskManager.* sg-0123456789abcdef0$/),
    ]);
  });

  test("instances carry the component tag the scrape relabelling reads, beside cluster and version", () => {
    // One JobManager is an instance; TaskManagers get their tags from the launch template.
    const instanceTags = [all(tf, "aws_instance")[0].tags, ...all(tf, "aws_launch_template").map((t) => t.tag_specifications.find((s: any) => s.resource_type === "instance").tags)];
    expect(instanceTags.map((t) => [t["flink:cluster"], t["flink:component"], t["flink:version"]])).toEqual([
      ["orders", "jobmanager", "2.2"],
      ["orders", "taskmanager", "2.2"],
    ]);
    const scrape = parse(read(flinkDir, MONITORING_FILES.scrape)).scrape_configs[0];
    expect(scrape.ec2_sd_configs).toEqual([{ region: "eu-west-1", port: 9249, filters: [{ name: "tag:flink:cluster", values: ["orders"] }, { name: "instance-state-name", values: ["running"] }] }]);
    expect(scrape.relabel_configs.map((r: any) => `${r.source_labels[0]} -> ${r.target_label ?? r.action}`)).toEqual([
      "__meta_ec2_tag_flink_component -> keep",
      "__meta_ec2_tag_flink_cluster -> cluster",
      "__meta_ec2_tag_flink_component -> component",
      "__meta_ec2_tag_flink_version -> flink_version",
      "__meta_ec2_instance_id -> instance",
    ]);
  });

  test("thresholds come from the cluster: two TaskManagers, the checkpoint interval of 1 min", () => {
    const rules = parse(read(flinkDir, MONITORING_FILES.rules)).groups[0].rules;
    const expr = (name: string) => rules.find((r: any) => r.alert === name).expr;
    expect(expr("FlinkTaskManagerLost")).toMatch(/numRegisteredTaskManagers\{cluster="orders"\}\) < 2/);
    const changed = ec2Stack({}, { checkpointing: { interval: "5 min" } });
    const later = parse(read(changed.flinkDir, MONITORING_FILES.rules)).groups[0].rules.find((r: any) => r.alert === "FlinkCheckpointStale").expr;
    expect(later).not.toBe(expr("FlinkCheckpointStale"));
  });

  test("the files are listed in the manifest, and synthesize byte for byte the same twice", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.clusters[0].files)).toEqual(expect.arrayContaining(Object.values(MONITORING_FILES)));
    const again = ec2Stack({ scrapers: { cidrs: ["10.40.0.0/16"], securityGroupIds: ["sg-0123456789abcdef0"] }, ec2Region: "eu-west-1" });
    for (const file of Object.values(MONITORING_FILES)) expect(read(again.flinkDir, file)).toBe(read(flinkDir, file));
  });

  test("grantEc2Discovery gives a Prometheus role what ec2_sd_configs calls, nothing more; once per role", () => {
    const { tf: granted } = synthStack((app) => {
      const stack = new TerraformStack(app, "mon");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      const monitoring = new FlinkMonitoring(stack, "m");
      monitoring.grantEc2Discovery("prometheus");
      monitoring.grantEc2Discovery("prometheus-staging");
      return stack;
    });
    const [policy, second] = all(granted, "aws_iam_role_policy");
    expect([policy.role, second.role].sort()).toEqual(["prometheus", "prometheus-staging"]);
    expect(policy.name).not.toBe(second.name);
    expect(JSON.parse(policy.policy).Statement).toEqual([{ Sid: "PrometheusEc2Discovery", Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"], Resource: "*" }]);
  });

  test("Amazon Managed Service for Prometheus: a workspace with the rendered rules as its rule group namespace", () => {
    const amp = ec2Stack({ managedPrometheus: { alias: "flink", kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/fake" } });
    expect(all(amp.tf, "aws_prometheus_workspace")).toEqual([expect.objectContaining({ alias: "flink", kms_key_arn: "arn:aws:kms:eu-west-1:111122223333:key/fake" })]);
    const [namespace] = all(amp.tf, "aws_prometheus_rule_group_namespace");
    expect(namespace.name).toBe("flink-orders");
    expect(namespace.data).toBe(read(amp.flinkDir, MONITORING_FILES.rules));
    const existing = ec2Stack({ managedPrometheus: { existingWorkspace: { id: "ws-fake", arn: "arn:aws:aps:eu-west-1:111122223333:workspace/ws-fake" } } });
    expect(all(existing.tf, "aws_prometheus_workspace")).toEqual([]);
    expect(all(existing.tf, "aws_prometheus_rule_group_namespace")[0].workspace_id).toBe("ws-fake");
  });
});

describe("FlinkMonitoring on Kubernetes", () => {
  const monitoring: FlinkMonitoringProps = {
    scrapers: { namespaceLabels: [{ "kubernetes.io/metadata.name": "monitoring" }] },
    kubernetes: { dashboardLabels: { grafana_dashboard: "flink" }, podMonitor: { labels: { release: "kps" } }, prometheusRule: { labels: { release: "kps" } } },
  };
  const { tf, flinkDir } = k8sStack(monitoring);

  test("the NetworkPolicies admit the scrapers' namespace to the named metrics port; pods carry the version label", () => {
    const policies = all(tf, "kubernetes_network_policy_v1").filter((p) => /-(jobmanager|taskmanager)$/.test(p.metadata.name));
    for (const policy of policies) {
      expect(policy.spec.ingress).toContainEqual({ from: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: "9249", protocol: "TCP" }] });
    }
    const deployment = all(tf, "kubernetes_deployment_v1").find((d) => d.metadata.name.endsWith("jobmanager"))!;
    expect(deployment.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("2.3");
    expect(deployment.spec.template.spec.container[0].port).toContainEqual({ name: "metrics", container_port: 9249 });
  });

  test("ConfigMaps for Grafana's sidecar and Prometheus, a PodMonitor and a PrometheusRule on request", () => {
    const maps = all(tf, "kubernetes_config_map_v1");
    const dashboard = maps.find((m) => m.metadata.name === "flink-orders-dashboard")!;
    expect(dashboard.metadata.labels.grafana_dashboard).toBe("flink");
    expect(dashboard.data["flink-orders.json"]).toBe(read(flinkDir, MONITORING_FILES.dashboard));
    const prometheus = maps.find((m) => m.metadata.name === "flink-orders-prometheus")!;
    expect(prometheus.data[MONITORING_FILES.rules]).toBe(read(flinkDir, MONITORING_FILES.rules));
    const manifests = all(tf, "kubernetes_manifest").map((m) => m.manifest);
    const podMonitor = manifests.find((m) => m.kind === "PodMonitor");
    expect(podMonitor.metadata.labels.release).toBe("kps");
    expect(podMonitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: "metrics", honorLabels: true });
    const rule = manifests.find((m) => m.kind === "PrometheusRule");
    expect(rule.spec).toEqual(parse(read(flinkDir, MONITORING_FILES.rules)));
    // Opt-in only; the ConfigMaps can be turned off.
    const plain = k8sStack({ kubernetes: { configMaps: false } });
    expect(all(plain.tf, "kubernetes_manifest")).toEqual([]);
    expect(all(plain.tf, "kubernetes_config_map_v1").filter((m) => m.metadata.name.startsWith("flink-orders-"))).toEqual([]);
  });

  test("pod discovery keeps the cluster's pods and their metrics port, and labels cluster, component, version and pod", () => {
    const scrape = parse(read(flinkDir, MONITORING_FILES.scrape)).scrape_configs[0];
    expect(scrape.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["flink"] }, selectors: [{ role: "pod", label: "app.kubernetes.io/instance=orders" }] }]);
    expect(scrape.relabel_configs.filter((r: any) => r.action === "keep").map((r: any) => [r.source_labels[0], r.regex])).toEqual([
      ["__meta_kubernetes_pod_label_app_kubernetes_io_instance", "orders"],
      ["__meta_kubernetes_pod_container_port_name", "metrics"],
    ]);
    const rules = parse(read(flinkDir, MONITORING_FILES.rules)).groups[0].rules;
    expect(rules.find((r: any) => r.alert === "FlinkTaskManagerLost").expr).toMatch(/< 3\b/);
  });
});

describe("FlinkMonitoring: bad input fails at synth time with the fix", () => {
  const build = (props: FlinkMonitoringProps, target: "ec2" | "kubernetes" = "ec2") => () => {
    const stack = new TerraformStack(new App(), "mon");
    const monitoring = new FlinkMonitoring(stack, "m", props);
    new FlinkCluster(stack, "orders", { version: target === "ec2" ? FlinkVersion.V2_2 : FlinkVersion.V2_3, monitoring, target: target === "ec2" ? FlinkTarget.ec2(EC2_TARGET) : FlinkTarget.kubernetes(K8S_TARGET) });
  };
  test.each([
    ["scrapers open to the world", { scrapers: { cidrs: ["0.0.0.0/0"] } }, "ec2", /scrapers\.cidrs opens the metrics ports to everyone.*\(got "0\.0\.0\.0\/0"\)\. Fix:/s],
    ["a malformed CIDR", { scrapers: { cidrs: ["10.0.0.0/33"] } }, "ec2", /scrapers\.cidrs\[0\] must be an IPv4 CIDR.*\(got "10\.0\.0\.0\/33"\)/],
    ["Kubernetes selectors on EC2", { scrapers: { podLabels: [{ app: "prometheus" }] } }, "ec2", /bound to cluster "orders":.*scrapers\.podLabels does not apply to a cluster on ec2.*Fix: give cidrs or securityGroupIds/s],
    ["security groups on Kubernetes", { scrapers: { securityGroupIds: ["sg-0123456789abcdef0"] } }, "kubernetes", /scrapers\.securityGroupIds does not apply to a cluster on kubernetes/],
    ["a scrape interval too long for the alert windows", { scrapeInterval: "5m" }, "ec2", /scrapeInterval must be from 5s to 1m.*\(got "5m"\)/],
    ["a scrape interval in Flink's notation", { scrapeInterval: "15 s" }, "ec2", /scrapeInterval must be a Prometheus duration.*\(got "15 s"\)/],
    ["a bad label key", { kubernetes: { dashboardLabels: { "bad key": "1" } } }, "kubernetes", /kubernetes\.dashboardLabels/],
    ["an EKS scraper for an EC2 cluster", { managedPrometheus: { eksScraper: { eksClusterArn: "arn:aws:eks:eu-west-1:111122223333:cluster/x", subnetIds: ["subnet-1"] } } }, "ec2", /managedPrometheus\.eksScraper scrapes Kubernetes pods, but cluster orders runs on ec2/],
    ["alias beside an existing workspace", { managedPrometheus: { alias: "x", existingWorkspace: { id: "ws-1", arn: "arn:aws:aps:eu-west-1:111122223333:workspace/ws-1" } } }, "ec2", /managedPrometheus sets alias or kmsKeyArn, which only a created workspace takes/],
    ["a reporter name Flink cannot use", { reporterName: "my prom" }, "ec2", /reporterName must be letters.*\(got "my prom"\)/],
    ["a managed scraper into a workspace with a customer managed key", { managedPrometheus: { kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/fake", eksScraper: { eksClusterArn: "arn:aws:eks:eu-west-1:111122223333:cluster/x", subnetIds: ["subnet-1"] } } }, "kubernetes", /managedPrometheus\.kmsKeyArn cannot be used with eksScraper/],
    ["Kubernetes options for an EC2 cluster", { kubernetes: { podMonitor: { labels: { release: "kps" } } } }, "ec2", /kubernetes applies to clusters on Kubernetes, but cluster orders runs on ec2/],
    ["an EC2 region for a Kubernetes cluster", { ec2Region: "eu-west-1" }, "kubernetes", /ec2Region applies to EC2 discovery, but cluster orders runs on kubernetes/],
  ] as Array<[string, FlinkMonitoringProps, "ec2" | "kubernetes", RegExp]>)("%s", (_what, props, target, message) => {
    expect(build(props, target)).toThrow(message);
  });

  test("no scrapers is a warning: nobody can reach the metrics port", () => {
    const stack = new TerraformStack(new App(), "mon");
    const monitoring = new FlinkMonitoring(stack, "m");
    new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, monitoring, target: FlinkTarget.ec2(EC2_TARGET) });
    expect(monitoring.node.metadata.map((m) => m.data)).toContainEqual(expect.stringMatching(/^\[flink:metrics-unreachable\] no scrapers are given/));
  });
});

/**
 * The scrape configuration as Debian's promtool can check it. Debian builds Prometheus without Kubernetes
 * discovery ("field kubernetes_sd_configs not found"), so that block is checked here against the shape
 * Prometheus documents, and promtool checks the rest (relabelling, rule files) with file discovery in its place.
 */
function debianCheckable(dir: string): string {
  const config = parse(fs.readFileSync(path.join(dir, MONITORING_FILES.scrape), "utf8"));
  if (!config.scrape_configs.some((job: any) => job.kubernetes_sd_configs)) return MONITORING_FILES.scrape;
  for (const job of config.scrape_configs) {
    for (const sd of job.kubernetes_sd_configs ?? []) {
      expect(Object.keys(sd).sort()).toEqual(["namespaces", "role", "selectors"]);
      expect(sd.role).toBe("pod");
      expect(Object.keys(sd.namespaces)).toEqual(["names"]);
      for (const selector of sd.selectors) expect(selector).toEqual({ role: "pod", label: expect.stringMatching(/^app\.kubernetes\.io\/instance=[a-z0-9-]+$/) });
    }
    if (job.kubernetes_sd_configs) {
      delete job.kubernetes_sd_configs;
      job.file_sd_configs = [{ files: ["pods.json"] }];
    }
  }
  fs.writeFileSync(path.join(dir, "debian-checkable.yml"), stringify(config));
  return "debian-checkable.yml";
}

/** Every example's monitoring files, from one synth of the examples app. */
function exampleMonitoringFolders(): Array<{ name: string; dir: string }> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-monitoring-examples-"));
  const app = new App({ outdir });
  addExamples(app);
  app.synth();
  const folders: Array<{ name: string; dir: string }> = [];
  for (const stack of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
    const flinkDir = path.join(outdir, "stacks", stack, "flink");
    if (!fs.existsSync(flinkDir)) continue;
    for (const cluster of JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8")).clusters) {
      if (cluster.files[MONITORING_FILES.scrape]) folders.push({ name: `${stack}/${cluster.name}`, dir: path.join(flinkDir, cluster.name) });
    }
  }
  return folders;
}

describe("every example's monitoring files", () => {
  const folders = exampleMonitoringFolders();

  test("the examples with monitoring render all three files", () => {
    expect(folders.map((f) => f.name)).toEqual(expect.arrayContaining(["ec2-ha/orders", "kubernetes-ha/payments", "kubernetes-ha/audit", "eks-flink/sessions"]));
    for (const { dir } of folders) for (const file of Object.values(MONITORING_FILES)) expect(fs.existsSync(path.join(dir, file))).toBe(true);
  });

  test("every PromQL expression of the rules and the dashboards parses", () => {
    const broken = folders.flatMap(({ name, dir }) => {
      const rules = parse(fs.readFileSync(path.join(dir, MONITORING_FILES.rules), "utf8")).groups.flatMap((g: any) => g.rules.map((r: any) => r.expr));
      const panels = dashboardExpressions(JSON.parse(fs.readFileSync(path.join(dir, MONITORING_FILES.dashboard), "utf8")));
      return [...rules, ...panels].flatMap((expr: string) => parsePromQL(expr).errors.map((e) => `${name}: ${e} in ${expr}`));
    });
    expect(broken).toEqual([]);
  });

  describeWithPrometheus("promtool (test/flink-monitoring.test.ts)")("promtool", () => {
    test("promtool check config (with its rules file) and check rules pass on every example", async () => {
      for (const { name, dir } of folders) {
        const config = await promtool(["check", "config", debianCheckable(dir)], dir);
        expect(`${name}: ${config.code} ${config.output}`).toMatch(new RegExp(`^${name}: 0 .*SUCCESS: \\S+ is valid prometheus config`, "s"));
        const rules = await promtool(["check", "rules", MONITORING_FILES.rules], dir);
        expect(`${name}: ${rules.code} ${rules.output}`).toMatch(new RegExp(`^${name}: 0 .*SUCCESS: \\d+ rules found`, "s"));
      }
    });
  });
});

test("the README has a runbook heading for every alert, where the rules' runbook links point", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  for (const name of ALERT_NAMES) expect(readme).toMatch(new RegExp(`^#+ ${name}$`, "m"));
});

test("on Kubernetes a port range for the reporter is an error naming monitoring.port (a container port is one port)", () => {
  const stack = new TerraformStack(new App(), "mon");
  const monitoring = new FlinkMonitoring(stack, "m", { port: "9250-9260" });
  expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, monitoring, target: FlinkTarget.kubernetes(K8S_TARGET) })).toThrow(
    /monitoring\.port must be a single port on Kubernetes .*\(got "9250-9260"\)/,
  );
});
