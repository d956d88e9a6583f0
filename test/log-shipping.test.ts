import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { parse } from "yaml";
import {
  FlinkCluster,
  FlinkClusterProps,
  FlinkEksCluster,
  FlinkEksClusterProps,
  FlinkTarget,
  FlinkVersion,
  FluentBitOptions,
  FluentBitOutput,
  FlinkLogShipping,
  KubernetesIdentity,
  LogShipping,
  Logging,
  LoggingSettings,
  renderLog4jProperties,
} from "../lib";
import { Problems, formatProblem } from "../lib/config/problems";
import { JSON_LOG_PATTERN, checkLogging, eventStartRegex, readRenderedLogging } from "../lib/config/render";
import { cloudWatchAgentConfig } from "../lib/targets/ec2/cloud-init";
import { FlinkIrsaRole } from "../lib/targets/eks/irsa-role";
import { unescapeTerraformTemplate } from "../lib/private/terraform-text";
import { EC2_TARGET } from "./fixtures/ec2-target";
import { resourcesOf } from "./helpers/synth";

const all = resourcesOf;
const one = (tf: any, type: string) => {
  const list = all(tf, type);
  expect(list).toHaveLength(1);
  return list[0];
};
const warningsOf = (c: { node: { metadata: Array<{ type: string; data: unknown }> } }) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);

/** A log4j2 .properties file as java.util.Properties reads these simple lines (a doubled backslash is one). */
function properties(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes(" = ") && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf(" = ")), line.slice(line.indexOf(" = ") + 3).replace(/\\\\/g, "\\")]),
  );
}

function loggingProblems(logging: LoggingSettings): string[] {
  const problems = new Problems();
  checkLogging(logging, problems);
  return problems.errors.map(formatProblem);
}

describe('logging.format "json"', () => {
  const json = properties(renderLog4jProperties(Logging.seedRollingFile({ format: "json" })));

  test("both appenders write the JSON layout, and log4j appends no exception after the line", () => {
    for (const appender of ["console", "rolling"]) {
      expect(json[`appender.${appender}.layout.type`]).toBe("PatternLayout");
      expect(json[`appender.${appender}.layout.pattern`]).toBe(JSON_LOG_PATTERN);
      expect(json[`appender.${appender}.layout.alwaysWriteExceptions`]).toBe("false");
    }
  });

  test("the layout has each field, every free-text value JSON-escaped, the exception and jobId only when there is one", () => {
    const pattern = JSON_LOG_PATTERN;
    expect(pattern.startsWith('{"timestamp":"%d{yyyy-MM-dd\'T\'HH:mm:ss.SSSXXX}{UTC}","level":"%p",')).toBe(true);
    for (const field of ['"logger":"%enc{%c}{JSON}"', '"thread":"%enc{%t}{JSON}"', '"message":"%enc{%m}{JSON}"']) expect(pattern).toContain(field);
    expect(pattern).toContain('%notEmpty{,"jobId":"%enc{%X{flink-job-id}}{JSON}"}');
    // The throwable is rendered inside %enc, so its line breaks become \n inside the string.
    expect(pattern).toContain('%notEmpty{,"exception":"%enc{%replace{%ex}{^\\s+|\\s+$}{}}{JSON}"}');
    expect(pattern.endsWith("}%n")).toBe(true);
    expect(pattern).not.toMatch(/%(xEx|rEx|throwable)\b/);
  });

  test('the default "pattern" format renders as before, without alwaysWriteExceptions', () => {
    const p = properties(renderLog4jProperties(Logging.seedRollingFile()));
    expect(p["appender.console.layout.pattern"]).toBe("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n");
    expect(p["appender.console.layout.alwaysWriteExceptions"]).toBeUndefined();
    expect(renderLog4jProperties({ format: "pattern" })).toBe(renderLog4jProperties());
  });

  test("readRenderedLogging reads format, pattern and rolling file back from the file", () => {
    expect(readRenderedLogging(renderLog4jProperties({ format: "json" }))).toEqual({ format: "json", pattern: JSON_LOG_PATTERN, rollingFile: false });
    expect(readRenderedLogging(renderLog4jProperties(Logging.seedRollingFile({ pattern: "%d %p \\ %m%n" })))).toEqual({ format: "pattern", pattern: "%d %p \\ %m%n", rollingFile: true });
  });

  test("json together with a pattern is refused, saying to drop one", () => {
    expect(loggingProblems({ format: "json", pattern: "%d %m%n" })).toEqual([
      'logging.pattern cannot be combined with logging.format "json", which writes its own JSON layout (got "%d %m%n"). Fix: drop one: remove pattern to log JSON, or remove format: "json" to keep your pattern.',
    ]);
    expect(loggingProblems({ format: "xml" as never })).toEqual([expect.stringMatching(/^logging\.format must be one of "pattern", "json" \(got "xml"\)\. Fix: use "json"/)]);
    expect(loggingProblems({ format: "json" })).toEqual([]);
  });

  test("a FlinkCluster with both names its path in the error", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, logging: { format: "json", pattern: "%m%n" } })).toThrow(
      /^FlinkCluster "test\/orders":\n {2}logging\.pattern cannot be combined with logging\.format "json"/,
    );
  });
});

describe("the CloudWatch agent on EC2", () => {
  function ec2Cluster(props: Partial<FlinkClusterProps> = {}) {
    const stack = new TerraformStack(Testing.app(), "prod");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 4, memory: { process: "8g" } }, ...props, target: FlinkTarget.ec2(EC2_TARGET) });
    const tf = JSON.parse(Testing.synth(stack));
    const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes("taskmanager_user_data"))![1];
    const files = parse(unescapeTerraformTemplate(local)).write_files as Array<{ path: string; content: string }>;
    const agent = JSON.parse(files.find((f) => f.path === "/opt/aws/amazon-cloudwatch-agent/etc/flink.json")!.content);
    return { cluster, collect: agent.logs.logs_collected.files.collect_list };
  }

  test('format "pattern": an event starts at a line that starts with the date, so a stack trace stays in it', () => {
    const { cluster, collect } = ec2Cluster({ logging: Logging.seedRollingFile() });
    expect(collect).toEqual([
      { file_path: "/var/log/flink/*.log", log_group_name: "/flink/prod/orders", log_stream_name: "{instance_id}/taskmanager", multi_line_start_pattern: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}" },
    ]);
    const start = new RegExp(collect[0].multi_line_start_pattern);
    expect(start.test("2026-05-01 12:00:00,123 ERROR org.apache.flink.runtime.taskmanager.Task [] - Source failed")).toBe(true);
    for (const continuation of ["java.lang.RuntimeException: boom", "\tat org.apache.flink.Task.run(Task.java:1)", "Caused by: java.io.IOException: 2026-05-01 12:00:00,123", "\t... 12 more"]) {
      expect(start.test(continuation)).toBe(false);
    }
    expect(warningsOf(cluster).filter((w) => /ec2-no-log-file|cloudwatch-multiline/.test(w))).toEqual([]);
  });

  test('format "json": every line is an event of its own', () => {
    const { collect } = ec2Cluster({ logging: Logging.seedRollingFile({ format: "json" }) });
    expect(collect).toEqual([{ file_path: "/var/log/flink/*.log", log_group_name: "/flink/prod/orders", log_stream_name: "{instance_id}/taskmanager" }]);
  });

  test("without rollingFile Flink writes no log file for the agent: a warning says how to write one", () => {
    const { cluster } = ec2Cluster();
    expect(warningsOf(cluster)).toContainEqual(expect.stringMatching(/^\[flink:ec2-no-log-file\] logging\.rollingFile is not set, so Flink logs only to journald .*\/flink\/prod\/orders\. Set logging: Logging\.seedRollingFile\(\)/));
  });

  test("a pattern that does not start with a date is a warning, and no start pattern is guessed", () => {
    const { cluster, collect } = ec2Cluster({ logging: Logging.seedRollingFile({ pattern: "%-5p %c - %m%n" }) });
    expect(collect[0].multi_line_start_pattern).toBeUndefined();
    expect(warningsOf(cluster)).toContainEqual(expect.stringMatching(/^\[flink:cloudwatch-multiline\] logging\.pattern does not start with a date/));
  });

  test.each<[string, string | undefined]>([
    ["%d %m%n", "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}"],
    ["%d{ISO8601} %m%n", "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2},\\d{3}"],
    ["%date{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %m%n", "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}"],
    ["[%d{HH:mm:ss}] %m%n", "^\\[\\d{2}:\\d{2}:\\d{2}"],
    ["%d{dd MMM yyyy} %m%n", "^\\d{2} [A-Za-z]{3} \\d{4}"],
    ["%-5p %m%n", undefined],
    ["%d{UNKNOWN_NAMED} %m%n", undefined],
  ])("eventStartRegex(%j)", (pattern, regex) => {
    expect(eventStartRegex(pattern)).toBe(regex);
  });

  test("the agent configuration is a pure function of the rendered file", () => {
    const files = { "log4j-console.properties": renderLog4jProperties(Logging.seedRollingFile({ pattern: "%d{ABSOLUTE} %m%n" })) };
    const config = JSON.parse(cloudWatchAgentConfig({ files, logGroupName: "/flink/x", role: "jobmanager" }));
    expect(config.logs.logs_collected.files.collect_list[0].multi_line_start_pattern).toBe("^\\d{2}:\\d{2}:\\d{2},\\d{3}");
    expect(cloudWatchAgentConfig({ files, logGroupName: "/flink/x", role: "jobmanager" })).toBe(cloudWatchAgentConfig({ files, logGroupName: "/flink/x", role: "jobmanager" }));
  });
});

const EKS: FlinkEksClusterProps = {
  clusterName: "flink-prod",
  kubernetesVersion: "1.33",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  nodeGroups: [{ name: "taskmanagers", instanceTypes: ["m7i.2xlarge"], desired: 2, min: 2, max: 4 }],
};

function eksStack(): { stack: TerraformStack; eks: FlinkEksCluster } {
  const stack = new TerraformStack(Testing.app(), "prod");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new KubernetesProvider(stack, "kubernetes", {});
  return { stack, eks: new FlinkEksCluster(stack, "eks", EKS) };
}

/** The `${type.key.attribute}` expression of the one resource of `type` whose key contains `part`. */
function ref(tf: any, type: string, part: string, attribute: string): string {
  const key = Object.keys(tf.resource[type]).find((k) => k.includes(part));
  expect(key).toBeDefined();
  return `\${${type}.${key}.${attribute}}`;
}

describe("LogShipping.cloudWatchObservability", () => {
  const { stack, eks } = eksStack();
  const shipping = new FlinkLogShipping(stack, "logs", { destination: LogShipping.cloudWatchObservability({ eksCluster: eks, retentionDays: 14, addonVersion: "v4.1.0-eksbuild.1" }), tags: { team: "data" } });
  const tf = JSON.parse(Testing.synth(stack));
  const addon = all(tf, "aws_eks_addon").find((a) => a.addon_name === "amazon-cloudwatch-observability")!;

  test("the add-on is installed on the cluster with its IRSA role", () => {
    expect(addon).toMatchObject({
      cluster_name: ref(tf, "aws_eks_cluster", "eks_cluster", "name"),
      addon_version: "v4.1.0-eksbuild.1",
      service_account_role_arn: ref(tf, "aws_iam_role", "logs_agent-role", "arn"),
      tags: { team: "data" },
    });
    expect(shipping.roleArn).toBe(shipping.agentRole!.roleArn);
  });

  test("only the add-on's service account amazon-cloudwatch:cloudwatch-agent can assume the role, which carries CloudWatchAgentServerPolicy", () => {
    const role = Object.entries(tf.resource.aws_iam_role).find(([k]) => k.includes("logs_agent-role"))![1] as any;
    // The condition keys hold a Terraform expression (the issuer without https://), so the policy is read as text.
    expect(role.assume_role_policy).toContain('"Action":"sts:AssumeRoleWithWebIdentity"');
    expect(role.assume_role_policy).toContain(':sub":"system:serviceaccount:amazon-cloudwatch:cloudwatch-agent"');
    const attachments = all(tf, "aws_iam_role_policy_attachment").filter((a) => a.role === ref(tf, "aws_iam_role", "logs_agent-role", "name"));
    expect(attachments.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]);
  });

  test("the add-on's log groups exist before it, with the retention", () => {
    const groups = all(tf, "aws_cloudwatch_log_group").filter((g) => g.name.startsWith("/aws/containerinsights/"));
    const cluster = ref(tf, "aws_eks_cluster", "eks_cluster", "name");
    expect(groups.map((g) => g.name).sort()).toEqual(["application", "dataplane", "host", "performance"].map((kind) => `/aws/containerinsights/${cluster}/${kind}`));
    for (const group of groups) expect(group).toMatchObject({ retention_in_days: 14, tags: { team: "data" } });
    expect(Object.keys(shipping.logGroups).sort()).toEqual(["application", "dataplane", "host", "performance"]);
    const after = addon.depends_on as string[];
    for (const kind of ["application", "dataplane", "host", "performance"]) expect(after).toContainEqual(expect.stringMatching(new RegExp(`^aws_cloudwatch_log_group\\.logs_${kind}-logs_`)));
    // Its pods need nodes to run on before the add-on turns ACTIVE.
    expect(after).toContainEqual(expect.stringMatching(/^aws_eks_node_group\.eks_taskmanagers-node-group_/));
  });

  test("retention defaults to 30 days; a KMS key encrypts the groups", () => {
    const { stack: s, eks: e } = eksStack();
    new FlinkLogShipping(s, "logs", { destination: LogShipping.cloudWatchObservability({ eksCluster: e, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-0123-0123-0123456789ab" }) });
    const groups = all(JSON.parse(Testing.synth(s)), "aws_cloudwatch_log_group").filter((g) => g.name.startsWith("/aws/containerinsights/"));
    expect(groups).toHaveLength(4);
    for (const group of groups) expect(group).toMatchObject({ retention_in_days: 30, kms_key_id: "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-0123-0123-0123456789ab" });
  });

  test("an imported cluster works, by its attributes", () => {
    const s = new TerraformStack(Testing.app(), "prod");
    new AwsProvider(s, "aws", { region: "eu-west-1" });
    const imported = FlinkEksCluster.fromClusterName(s, "eks", {
      clusterName: "flink-prod",
      endpoint: "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
      certificateAuthorityData: "LS0t",
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF",
      oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF",
    });
    new FlinkLogShipping(s, "logs", { destination: LogShipping.cloudWatchObservability({ eksCluster: imported }) });
    const out = JSON.parse(Testing.synth(s));
    expect(one(out, "aws_eks_addon")).toMatchObject({ cluster_name: "flink-prod", addon_name: "amazon-cloudwatch-observability" });
    expect(all(out, "aws_cloudwatch_log_group").map((g) => g.name)).toContain("/aws/containerinsights/flink-prod/application");
  });

  test.each<[string, object, RegExp]>([
    ["retentionDays", { retentionDays: 31 }, /cloudWatchObservability\.retentionDays must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, .* \(got 31\)\. Fix: use 30\./],
    ["kmsKeyArn", { kmsKeyArn: "alias/logs" }, /cloudWatchObservability\.kmsKeyArn must be a KMS key ARN .*\(got "alias\/logs"\)\. Fix: pass the key's ARN/],
    ["addonVersion", { addonVersion: "4.1.0" }, /cloudWatchObservability\.addonVersion must be an EKS add-on version such as "v4\.1\.0-eksbuild\.1" \(got "4\.1\.0"\)\. Fix: list them with `aws eks describe-addon-versions/],
  ])("a bad %s is refused with the construct path", (_, options, message) => {
    const { stack: s, eks: e } = eksStack();
    expect(() => new FlinkLogShipping(s, "logs", { destination: LogShipping.cloudWatchObservability({ eksCluster: e, ...options }) })).toThrow(
      new RegExp(`^FlinkLogShipping "prod/logs":\\n {2}${message.source}`),
    );
  });
});

const IMAGE = `cr.fluentbit.io/fluent/fluent-bit:4.0.3@sha256:${"0123456789abcdef".repeat(4)}`;

/** One Fluent Bit classic config as { section name, entries } in order, keys as written. */
function sections(conf: string): Array<{ name: string; entries: Array<[string, string]> }> {
  const out: Array<{ name: string; entries: Array<[string, string]> }> = [];
  for (const line of conf.split("\n")) {
    const header = /^\[([A-Z_]+)\]$/.exec(line);
    if (header) out.push({ name: header[1], entries: [] });
    else if (/^ {4}\S/.test(line)) {
      const [, key, value] = /^ {4}(\S+)\s+(.*)$/.exec(line)!;
      out[out.length - 1].entries.push([key, value]);
    }
  }
  return out;
}
const entriesOf = (section: { entries: Array<[string, string]> }) => Object.fromEntries(section.entries);

/**
 * Every key this library writes, per section or plugin, as Fluent Bit's own sources define them
 * (flb_config.h; the config_map of in_tail, filter_kubernetes, out_cloudwatch_logs, out_opensearch;
 * Name/Match/Tag/Mem_Buf_Limit/Host/Port/tls/tls.verify/Retry_Limit are every plugin's). Keys are
 * case-insensitive in Fluent Bit.
 */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  SERVICE: ["flush", "grace", "daemon", "log_level", "parsers_file", "http_server", "http_listen", "http_port"],
  tail: ["name", "tag", "path", "multiline.parser", "db", "db.locking", "mem_buf_limit", "skip_long_lines", "refresh_interval", "read_from_head"],
  kubernetes: ["name", "match", "kube_tag_prefix", "merge_log", "keep_log", "k8s-logging.parser", "k8s-logging.exclude", "labels", "annotations", "buffer_size"],
  cloudwatch_logs: ["name", "match", "region", "log_group_name", "log_stream_template", "log_stream_prefix", "auto_create_group", "retry_limit"],
  opensearch: ["name", "match", "host", "port", "index", "suppress_type_name", "replace_dots", "generate_id", "tls", "tls.verify", "aws_auth", "aws_region", "aws_service_name", "http_user", "http_passwd", "retry_limit"],
  PARSER: ["name", "format", "regex"],
};

function fluentBitStack(options: Partial<FluentBitOptions> = {}, withIdentity = true) {
  const { stack, eks } = eksStack();
  const shipping = new FlinkLogShipping(stack, "logs", {
    destination: LogShipping.fluentBit({
      image: IMAGE,
      namespaces: ["flink", "flink-apps"],
      output: FluentBitOutput.cloudWatch({ region: "eu-west-1" }),
      ...(withIdentity ? { identity: KubernetesIdentity.eksIrsa(eks) } : {}),
      ...options,
    }),
  });
  return { stack, eks, shipping, tf: JSON.parse(Testing.synth(stack)) };
}

describe("LogShipping.fluentBit", () => {
  const { shipping, tf } = fluentBitStack();
  const conf = shipping.fluentBitFiles!["fluent-bit.conf"];
  const parsed = sections(conf);
  const daemonSet = one(tf, "kubernetes_daemon_set_v1");
  const pod = daemonSet.spec.template.spec;
  const container = pod.container[0];

  test("every key written is one Fluent Bit defines, for its section or plugin", () => {
    for (const output of [conf, fluentBitStack({ output: FluentBitOutput.openSearch({ host: "search-logs.eu-west-1.es.amazonaws.com", index: "flink-logs", awsRegion: "eu-west-1" }) }).shipping.fluentBitFiles!["fluent-bit.conf"], shipping.fluentBitFiles!["parsers.conf"]]) {
      for (const section of sections(output)) {
        const plugin = ["SERVICE", "PARSER"].includes(section.name) ? section.name : entriesOf(section).Name;
        for (const [key] of section.entries) expect([plugin, key.toLowerCase(), KNOWN_KEYS[plugin]?.includes(key.toLowerCase())]).toEqual([plugin, key.toLowerCase(), true]);
      }
    }
  });

  test("the tail input reads only the listed namespaces' container logs, through the CRI multiline parser", () => {
    const input = entriesOf(parsed.find((s) => s.name === "INPUT")!);
    expect(input).toMatchObject({ Name: "tail", Tag: "kube.*", Path: "/var/log/containers/*_flink_*.log,/var/log/containers/*_flink-apps_*.log", "multiline.parser": "cri", DB: "/var/fluent-bit/state/flink-logs.db" });
  });

  test("the kubernetes filter lifts JSON lines (logging.format json) into fields", () => {
    const filter = entriesOf(parsed.find((s) => s.name === "FILTER")!);
    expect(filter).toMatchObject({ Name: "kubernetes", Match: "kube.*", Kube_Tag_Prefix: "kube.var.log.containers.", Merge_Log: "On", Keep_Log: "Off" });
  });

  test("the CloudWatch output writes to a log group Terraform creates with a retention, never one of its own", () => {
    const output = entriesOf(parsed.find((s) => s.name === "OUTPUT")!);
    expect(output).toMatchObject({ Name: "cloudwatch_logs", Match: "kube.*", region: "eu-west-1", log_group_name: "/flink/prod/logs", auto_create_group: "Off" });
    const group = all(tf, "aws_cloudwatch_log_group").find((g) => g.name === "/flink/prod/logs");
    expect(group).toMatchObject({ retention_in_days: 30 });
  });

  test("the IRSA role may write exactly that log group, and the service account carries it", () => {
    const policy = all(tf, "aws_iam_role_policy").find((p) => p.role.includes("logs_IrsaRole"))!;
    const group = ref(tf, "aws_cloudwatch_log_group", "logs_log-group", "arn");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      { Sid: "FluentBitWriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], Resource: [group, `${group}:*`] },
    ]);
    const account = one(tf, "kubernetes_service_account_v1");
    expect(account.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": ref(tf, "aws_iam_role", "logs_IrsaRole", "arn") });
    const role = Object.entries(tf.resource.aws_iam_role).find(([k]) => k.includes("logs_IrsaRole"))![1] as any;
    expect(role.assume_role_policy).toContain(':sub":"system:serviceaccount:fluent-bit:fluent-bit"');
    expect(shipping.roleArn).toBe((shipping.node.findChild("IrsaRole") as FlinkIrsaRole).roleArn);
  });

  test("RBAC: get, list and watch of pods and namespaces, nothing else", () => {
    expect(one(tf, "kubernetes_cluster_role_v1").rule).toEqual([{ api_groups: [""], resources: ["namespaces", "pods"], verbs: ["get", "list", "watch"] }]);
    const binding = one(tf, "kubernetes_cluster_role_binding_v1");
    expect(binding.role_ref).toEqual({ api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ref(tf, "kubernetes_cluster_role_v1", "logs_cluster-role", "metadata[0].name") });
    expect(binding.subject).toEqual([{ kind: "ServiceAccount", name: ref(tf, "kubernetes_service_account_v1", "logs_service-account", "metadata[0].name"), namespace: ref(tf, "kubernetes_namespace_v1", "logs_namespace", "metadata[0].name") }]);
  });

  test("the ConfigMap carries both files as rendered; the pods roll when they change", () => {
    const data = one(tf, "kubernetes_config_map_v1").data;
    expect(Object.keys(data)).toEqual(["fluent-bit.conf", "parsers.conf"]);
    expect(unescapeTerraformTemplate(data["fluent-bit.conf"])).toBe(conf);
    expect(daemonSet.spec.template.metadata.annotations["cdktf-flink/config-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    const other = fluentBitStack({ namespaces: ["flink"] }).tf;
    expect(one(other, "kubernetes_daemon_set_v1").spec.template.metadata.annotations["cdktf-flink/config-sha256"]).not.toBe(daemonSet.spec.template.metadata.annotations["cdktf-flink/config-sha256"]);
  });

  test("the container runs as root only to read root's log files: read-only root, no privilege escalation, no capabilities", () => {
    expect(container.security_context).toEqual({
      run_as_user: "0",
      run_as_group: "0",
      run_as_non_root: false,
      privileged: false,
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.security_context).toEqual({ seccomp_profile: { type: "RuntimeDefault" } });
    expect(pod.host_network).toBeUndefined();
  });

  test("/var/log is mounted read-only; the offsets live on the node; resources are requested", () => {
    expect(container.volume_mount).toEqual([
      { name: "config", mount_path: "/fluent-bit/etc/conf", read_only: true },
      { name: "varlog", mount_path: "/var/log", read_only: true },
      { name: "state", mount_path: "/var/fluent-bit/state" },
    ]);
    expect(pod.volume).toContainEqual({ name: "varlog", host_path: { path: "/var/log", type: "Directory" } });
    expect(pod.volume).toContainEqual({ name: "state", host_path: { path: "/var/lib/cdktf-flink/fluent-bit/fluent-bit", type: "DirectoryOrCreate" } });
    expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } });
    expect(container.image).toBe(IMAGE);
    expect(container.command).toEqual(["/fluent-bit/bin/fluent-bit", "--config=/fluent-bit/etc/conf/fluent-bit.conf"]);
    expect(pod.toleration).toEqual([{ operator: "Exists" }]);
  });

  test("an existing namespace is used as it is", () => {
    const { tf: existing } = fluentBitStack({ namespace: { name: "logging", create: false } });
    expect(all(existing, "kubernetes_namespace_v1")).toEqual([]);
    expect(one(existing, "kubernetes_daemon_set_v1").metadata.namespace).toBe("logging");
  });

  test("the OpenSearch output to Amazon OpenSearch Service: TLS verified, SigV4, port 443, a grant on the domain", () => {
    const domainArn = "arn:aws:es:eu-west-1:123456789012:domain/flink-logs";
    const { shipping: os, tf: osTf } = fluentBitStack({ output: FluentBitOutput.openSearch({ host: "search-flink-logs-abc.eu-west-1.es.amazonaws.com", index: "flink-logs", awsRegion: "eu-west-1", domainArn }) });
    const output = entriesOf(sections(os.fluentBitFiles!["fluent-bit.conf"]).find((s) => s.name === "OUTPUT")!);
    expect(output).toEqual({
      Name: "opensearch",
      Match: "kube.*",
      Host: "search-flink-logs-abc.eu-west-1.es.amazonaws.com",
      Port: "443",
      Index: "flink-logs",
      Suppress_Type_Name: "On",
      Replace_Dots: "On",
      Generate_ID: "On",
      tls: "On",
      "tls.verify": "On",
      AWS_Auth: "On",
      AWS_Region: "eu-west-1",
      AWS_Service_Name: "es",
      Retry_Limit: "no_limits",
    });
    expect(all(osTf, "aws_cloudwatch_log_group").map((g) => g.name)).not.toContain("/flink/prod/logs");
    const policy = all(osTf, "aws_iam_role_policy").find((p) => p.role.includes("logs_IrsaRole"))!;
    expect(JSON.parse(policy.policy).Statement).toEqual([{ Sid: "FluentBitWriteDomain", Effect: "Allow", Action: ["es:ESHttpPost", "es:ESHttpPut"], Resource: `${domainArn}/*` }]);
  });

  test("a self-managed OpenSearch with basic auth: port 9200, the password from a Secret, never in the ConfigMap", () => {
    const { shipping: os, tf: osTf } = fluentBitStack({ output: FluentBitOutput.openSearch({ host: "opensearch.search.svc", index: "flink-logs", basicAuth: { username: "fluent-bit", passwordSecret: { name: "opensearch-fluent-bit" } } }) }, false);
    const output = entriesOf(sections(os.fluentBitFiles!["fluent-bit.conf"]).find((s) => s.name === "OUTPUT")!);
    expect(output).toMatchObject({ Port: "9200", tls: "On", HTTP_User: "fluent-bit", HTTP_Passwd: "${OPENSEARCH_PASSWORD}" });
    expect(output.AWS_Auth).toBeUndefined();
    // Fluent Bit expands ${OPENSEARCH_PASSWORD}; Terraform must leave it alone.
    expect(one(osTf, "kubernetes_config_map_v1").data["fluent-bit.conf"]).toContain("HTTP_Passwd        $${OPENSEARCH_PASSWORD}");
    expect(one(osTf, "kubernetes_daemon_set_v1").spec.template.spec.container[0].env).toEqual([{ name: "OPENSEARCH_PASSWORD", value_from: { secret_key_ref: { name: "opensearch-fluent-bit", key: "password" } } }]);
    // The EKS cluster's own two roles (cluster, nodes): none for Fluent Bit.
    expect(all(osTf, "aws_iam_role").map((r) => r.name_prefix)).toEqual(["flink-prod-cluster-", "flink-prod-node-"]);
  });

  test("parsers.conf's flink-pattern parser reads Flink's default pattern", () => {
    const regex = entriesOf(sections(shipping.fluentBitFiles!["parsers.conf"])[0]).Regex;
    const match = new RegExp(regex).exec("2026-05-01 12:00:00,123 INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Starting StandaloneSessionClusterEntrypoint.");
    expect(match?.groups).toEqual({ timestamp: "2026-05-01 12:00:00,123", level: "INFO", logger: "org.apache.flink.runtime.entrypoint.ClusterEntrypoint", ndc: "", message: "Starting StandaloneSessionClusterEntrypoint." });
  });

  test("the same input renders byte-identical Terraform", () => {
    expect(Testing.synth(fluentBitStack().stack)).toBe(Testing.synth(fluentBitStack().stack));
  });

  test("without an identity the AWS outputs warn: FlinkEksCluster's pods cannot reach the node role", () => {
    const { shipping: bare } = fluentBitStack({}, false);
    expect(warningsOf(bare)).toEqual([expect.stringMatching(/^\[flink:log-shipping-no-identity\] fluentBit has no identity.*Set identity: KubernetesIdentity\.eksIrsa\(eksCluster\)\./)]);
    expect(warningsOf(shipping)).toEqual([]);
  });

  test("tokens pass through unchecked", () => {
    const { stack, eks } = eksStack();
    const region = new TerraformVariable(stack, "region", { type: "string" }).stringValue;
    const shipping = new FlinkLogShipping(stack, "logs", { destination: LogShipping.fluentBit({ image: IMAGE, namespaces: ["flink"], output: FluentBitOutput.cloudWatch({ region }), identity: KubernetesIdentity.eksIrsa(eks) }) });
    const tf = JSON.parse(Testing.synth(stack));
    expect(one(tf, "kubernetes_config_map_v1").data["fluent-bit.conf"]).toContain("region              ${var.region}\n");
    // The files hold a reference: Terraform computes the checksum.
    expect(one(tf, "kubernetes_daemon_set_v1").spec.template.metadata.annotations["cdktf-flink/config-sha256"]).toMatch(/^\$\{sha256\(local\.logs_fluent_bit_files/);
    expect(shipping.fluentBitFiles).toBeDefined();
  });

  const openSearch = (o: Partial<Parameters<typeof FluentBitOutput.openSearch>[0]>) => FluentBitOutput.openSearch({ host: "search-logs.eu-west-1.es.amazonaws.com", index: "flink-logs", awsRegion: "eu-west-1", ...o });
  test.each<[string, Partial<FluentBitOptions>, RegExp]>([
    ["a tag without digest", { image: "cr.fluentbit.io/fluent/fluent-bit:4.0.3" }, /fluentBit\.image must be pinned by digest \(<image>@sha256:<64 hex digits>\).* \(got "cr\.fluentbit\.io\/fluent\/fluent-bit:4\.0\.3"\)\. Fix: append the digest, e\.g\. "cr\.fluentbit\.io\/fluent\/fluent-bit:4\.0\.3@sha256:<digest>"/],
    ["a short digest", { image: "fluent/fluent-bit@sha256:abc" }, /fluentBit\.image must be pinned by digest/],
    ["no namespaces", { namespaces: [] }, /fluentBit\.namespaces must name at least one namespace whose pods' logs are collected \(got \[\]\)\. Fix: add the Flink clusters' namespaces/],
    ["a namespace that is no DNS label", { namespaces: ["Flink_Prod"] }, /fluentBit\.namespaces\[0\] must be a DNS-1123 label.* \(got "Flink_Prod"\)\. Fix: use a name such as "flink-prod"\./],
    ["a repeated namespace", { namespaces: ["flink", "flink"] }, /fluentBit\.namespaces\[1\] repeats an earlier namespace \(got "flink"\)\. Fix: list each namespace once\./],
    ["a bad own namespace", { namespace: { name: "Logging" } }, /fluentBit\.namespace\.name must be a DNS-1123 label/],
    ["a bad memory", { resources: { memory: "256MB" } }, /fluentBit\.resources\.memory must be a Kubernetes memory quantity in Ki, Mi or Gi, such as "256Mi" \(got "256MB"\)/],
    ["a bad cpu", { resources: { cpu: "one" } }, /fluentBit\.resources\.cpu must be a Kubernetes CPU quantity/],
    ["a region that is an AZ", { output: FluentBitOutput.cloudWatch({ region: "eu-west-1a" }) }, /fluentBit\.output\.cloudWatch\.region must be an AWS region name such as eu-west-1 \(got "eu-west-1a"\)/],
    ["a bad log group name", { output: FluentBitOutput.cloudWatch({ region: "eu-west-1", logGroupName: "flink logs" }) }, /fluentBit\.output\.cloudWatch\.logGroupName must be 1-512 letters, digits and _ - \. \/ # \(got "flink logs"\)/],
    ["a bad retention", { output: FluentBitOutput.cloudWatch({ region: "eu-west-1", retentionDays: 10 }) }, /fluentBit\.output\.cloudWatch\.retentionDays must be one of CloudWatch's retention periods.* \(got 10\)\. Fix: use 30\./],
    ["a host with a scheme", { output: openSearch({ host: "https://search-logs.eu-west-1.es.amazonaws.com" }) }, /fluentBit\.output\.openSearch\.host must be a host name without a scheme \(got "https:\/\/search-logs\.eu-west-1\.es\.amazonaws\.com"\)\. Fix: remove "https:\/\/"/],
    ["a host with a port", { output: openSearch({ host: "search-logs.example.com:443" }) }, /fluentBit\.output\.openSearch\.host must be a host name or IPv4 address, without port or path \(got "search-logs\.example\.com:443"\)\. Fix: give the port with port/],
    ["a port out of range", { output: openSearch({ port: 70000 }) }, /fluentBit\.output\.openSearch\.port must be a whole number from 1 to 65535 \(got 70000\)/],
    ["an uppercase index", { output: openSearch({ index: "Flink-Logs" }) }, /fluentBit\.output\.openSearch\.index must be lowercase, as OpenSearch requires of index names \(got "Flink-Logs"\)\. Fix: use a name such as "flink-logs"\./],
    ["an index with a comma", { output: openSearch({ index: "flink,logs" }) }, /fluentBit\.output\.openSearch\.index must not contain .* or spaces, as OpenSearch requires/],
    ["an index starting with _", { output: openSearch({ index: "_flink" }) }, /fluentBit\.output\.openSearch\.index must not start with -, _ or \+/],
    ["a bad awsRegion", { output: openSearch({ awsRegion: "EU" }) }, /fluentBit\.output\.openSearch\.awsRegion must be an AWS region name/],
    ["a bad domain ARN", { output: openSearch({ domainArn: "arn:aws:es:eu-west-1:123456789012:flink-logs" }) }, /fluentBit\.output\.openSearch\.domainArn must be an OpenSearch Service domain ARN/],
    ["basic auth with SigV4", { output: openSearch({ basicAuth: { username: "fb", passwordSecret: { name: "pw" } } }) }, /fluentBit\.output\.openSearch\.basicAuth cannot be combined with awsRegion \(SigV4\)/],
    ["basic auth without TLS", { output: openSearch({ awsRegion: undefined, tls: false, basicAuth: { username: "fb", passwordSecret: { name: "pw" } } }), identity: undefined }, /fluentBit\.output\.openSearch\.tls would send the basicAuth password in clear text \(got false\)\. Fix: keep tls on\./],
  ])("%s is refused with the construct path, the value, the rule and the fix", (_, options, message) => {
    expect(() => fluentBitStack(options)).toThrow(new RegExp(`^FlinkLogShipping "prod/logs":\\n {2}(.*\\n {2})*${message.source}`));
  });

  test("identity without SigV4, domainArn without identity, and awsServiceName without awsRegion are refused", () => {
    expect(() => fluentBitStack({ output: openSearch({ awsRegion: undefined }) })).toThrow(/fluentBit\.identity is only used to sign OpenSearch requests with SigV4, which is off without output\.openSearch\.awsRegion/);
    expect(() => fluentBitStack({ output: openSearch({ domainArn: "arn:aws:es:eu-west-1:123456789012:domain/flink-logs" }) }, false)).toThrow(/fluentBit\.output\.openSearch\.domainArn is only used to grant identity access to the domain, and there is no identity/);
    expect(() => fluentBitStack({ output: openSearch({ awsRegion: undefined, awsServiceName: "aoss" }) }, false)).toThrow(/fluentBit\.output\.openSearch\.awsServiceName only applies to SigV4/);
  });

  test("TLS off without a password is a warning", () => {
    const { shipping: plain } = fluentBitStack({ output: FluentBitOutput.openSearch({ host: "opensearch.search.svc", index: "flink-logs", tls: false }) }, false);
    expect(warningsOf(plain)).toEqual([expect.stringMatching(/^\[flink:log-shipping-no-tls\] fluentBit\.output\.openSearch\.tls is off/)]);
    expect(entriesOf(sections(plain.fluentBitFiles!["fluent-bit.conf"]).find((s) => s.name === "OUTPUT")!)).toMatchObject({ tls: "Off" });
  });
});
