import { createHash } from "crypto";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DaemonSetV1 } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Annotations, Fn, TerraformLocal, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { IamStatement } from "../cluster-feature";
import { Problems } from "../config/problems";
import { escapeTerraformTemplate } from "../private/terraform-text";
import { reportUnderCdktfCli } from "../private/report";
import { FlinkEksCluster } from "../targets/eks/flink-eks-cluster";
import { FlinkIrsaRole } from "../targets/eks/irsa-role";
import { CONFIG_CHECKSUM_ANNOTATION } from "../targets/kubernetes/kubernetes-deployment";
import { checkDnsLabel, checkDnsSubdomain } from "../targets/kubernetes/kubernetes-names";
import {
  DEFAULT_RETENTION_DAYS,
  checkHost,
  checkImageDigest,
  checkIndexName,
  checkKmsKey,
  checkLogGroupName,
  checkPort,
  checkRegion,
  checkRetention,
} from "./checks";
import { FLUENT_BIT_CONF_DIR, FLUENT_BIT_HTTP_PORT, FLUENT_BIT_STATE_DIR, OPENSEARCH_PASSWORD_ENV, renderFluentBitConf, renderFluentBitParsers } from "./fluent-bit-config";
import { CloudWatchObservabilityOptions, FluentBitOptions, LogShipping } from "./log-shipping";

export { LogShipping, CloudWatchObservabilityOptions, FluentBitOptions, FluentBitToleration } from "./log-shipping";
export { FluentBitOutput, FluentBitCloudWatchOptions, FluentBitOpenSearchOptions, FluentBitBasicAuth } from "./fluent-bit-output";

export interface FlinkLogShippingProps {
  /** Where the logs go: `LogShipping.cloudWatchObservability({...})` or `LogShipping.fluentBit({...})`. */
  readonly destination: LogShipping;
  /** Tags of the AWS resources (log groups, IAM role, add-on). @default - none */
  readonly tags?: Record<string, string>;
}

/** The add-on's name, its service account, and the log groups it writes (Fluent Bit's three, the agent's performance). */
export const CLOUDWATCH_OBSERVABILITY_ADDON = "amazon-cloudwatch-observability";
const AGENT_NAMESPACE = "amazon-cloudwatch";
const AGENT_SERVICE_ACCOUNT = "cloudwatch-agent";
const CONTAINER_INSIGHTS_GROUPS = ["application", "dataplane", "host", "performance"] as const;

const FLUENT_BIT_NAME = "fluent-bit";
/** Fluent Bit's offsets on the node, apart from the add-on's /var/fluent-bit/state. */
const HOST_STATE_DIR = "/var/lib/cdktf-flink/fluent-bit";

/**
 * Ships the logs of Flink clusters on Kubernetes (their containers' stdout and stderr, where Flink logs
 * in the foreground) to CloudWatch Logs or OpenSearch, by one of two destinations:
 *
 * - `LogShipping.cloudWatchObservability`: the Amazon CloudWatch Observability EKS add-on, with an IRSA
 *   role for its service account and its log groups created beforehand with a retention.
 * - `LogShipping.fluentBit`: a Fluent Bit DaemonSet that reads only the given namespaces' log files,
 *   lifts `logging.format: "json"` lines into fields, and writes to CloudWatch Logs (a log group with a
 *   retention) or OpenSearch (TLS, SigV4 for Amazon OpenSearch Service).
 */
export class FlinkLogShipping extends Construct {
  /** The log groups created here: by kind (application, dataplane, host, performance) for the add-on, "fluent-bit" for Fluent Bit's. */
  public readonly logGroups!: Readonly<Record<string, CloudwatchLogGroup>>;
  /** The IAM role the add-on's agent or Fluent Bit assumes through IRSA, when there is one. */
  public readonly roleArn?: string;
  /** The add-on, with `LogShipping.cloudWatchObservability`. */
  public readonly addon?: EksAddon;
  /** The add-on's IRSA role, with `LogShipping.cloudWatchObservability`. */
  public readonly agentRole?: FlinkIrsaRole;
  /** Fluent Bit's objects, with `LogShipping.fluentBit`. */
  public readonly namespace?: NamespaceV1;
  public readonly serviceAccount?: ServiceAccountV1;
  public readonly clusterRole?: ClusterRoleV1;
  public readonly clusterRoleBinding?: ClusterRoleBindingV1;
  public readonly configMap?: ConfigMapV1;
  public readonly daemonSet?: DaemonSetV1;
  /** The rendered fluent-bit.conf and parsers.conf, by file name, with `LogShipping.fluentBit`. */
  public readonly fluentBitFiles?: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FlinkLogShippingProps) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const { destination } = props;
      if (destination.kind === "cloudWatchObservability") this.cloudWatchObservability(destination.cloudWatchObservability!, props.tags);
      else this.fluentBit(destination.fluentBit!, props.tags);
    } catch (error) {
      reportUnderCdktfCli(this, error, ["logGroups"]);
    }
  }

  private report(problems: Problems): void {
    problems.throwIfErrors(`FlinkLogShipping "${this.node.path}":`);
    for (const warning of problems.warnings) Annotations.of(this).addWarning(`[${warning.id}] ${warning.message}`);
  }

  private cloudWatchObservability(o: CloudWatchObservabilityOptions, tags: Record<string, string> | undefined): void {
    const problems = new Problems();
    const at = (property: string) => `cloudWatchObservability.${property}`;
    checkRetention(at("retentionDays"), o.retentionDays, problems);
    checkKmsKey(at("kmsKeyArn"), o.kmsKeyArn, problems);
    if (o.addonVersion !== undefined && !Token.isUnresolved(o.addonVersion) && !/^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(o.addonVersion)) {
      problems.error(at("addonVersion"), o.addonVersion, 'must be an EKS add-on version such as "v4.1.0-eksbuild.1"', `list them with \`aws eks describe-addon-versions --addon-name ${CLOUDWATCH_OBSERVABILITY_ADDON}\`, or leave addonVersion out for EKS's default.`);
    }
    this.report(problems);

    const self = this as { -readonly [K in keyof FlinkLogShipping]: FlinkLogShipping[K] };
    const cluster = o.eksCluster;
    // Created before the add-on, which would otherwise create them on first write and keep logs forever.
    const groups: Record<string, CloudwatchLogGroup> = {};
    for (const kind of CONTAINER_INSIGHTS_GROUPS) {
      groups[kind] = new CloudwatchLogGroup(this, `${kind}-logs`, {
        name: `/aws/containerinsights/${cluster.name}/${kind}`,
        retentionInDays: o.retentionDays ?? DEFAULT_RETENTION_DAYS,
        kmsKeyId: o.kmsKeyArn,
        tags,
      });
    }
    self.logGroups = groups;
    self.agentRole = new FlinkIrsaRole(this, "agent-role", { cluster, namespace: AGENT_NAMESPACE, serviceAccount: AGENT_SERVICE_ACCOUNT, tags });
    self.roleArn = this.agentRole!.roleArn;
    const policy = new IamRolePolicyAttachment(this, "agent-role-CloudWatchAgentServerPolicy", {
      role: this.agentRole!.role.name,
      policyArn: `arn:${o.partition ?? "aws"}:iam::aws:policy/CloudWatchAgentServerPolicy`,
    });
    // The add-on turns ACTIVE only once its pods run: on a cluster made here, after the node groups.
    const nodeGroups = cluster instanceof FlinkEksCluster ? Object.keys(cluster.nodeGroups).sort().map((name) => cluster.nodeGroups[name]) : [];
    self.addon = new EksAddon(this, "addon", {
      clusterName: cluster.name,
      addonName: CLOUDWATCH_OBSERVABILITY_ADDON,
      addonVersion: o.addonVersion,
      serviceAccountRoleArn: this.agentRole!.roleArn,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      tags,
      dependsOn: [...Object.values(groups), policy, ...nodeGroups],
    });
  }

  private fluentBit(o: FluentBitOptions, tags: Record<string, string> | undefined): void {
    const namespace = o.namespace?.name ?? FLUENT_BIT_NAME;
    const output = o.output;
    const logGroupName = output.kind === "cloudWatch" ? (output.cloudWatch!.logGroupName ?? `/flink/${TerraformStack.of(this).node.id}/${this.node.id}`) : undefined;
    this.checkFluentBit(o, namespace, logGroupName);

    const self = this as { -readonly [K in keyof FlinkLogShipping]: FlinkLogShipping[K] };
    const labels = { "app.kubernetes.io/name": FLUENT_BIT_NAME, "app.kubernetes.io/component": "log-shipping", "app.kubernetes.io/managed-by": "cdktf-flink" };
    const selector = { "app.kubernetes.io/name": FLUENT_BIT_NAME, "app.kubernetes.io/component": "log-shipping" };
    if (o.namespace?.create ?? true) self.namespace = new NamespaceV1(this, "namespace", { metadata: { name: namespace, labels } });
    // Objects reference the namespace resource when it is created here, so they wait for it.
    const namespaceRef = this.namespace ? this.namespace.metadata.name : namespace;

    const statements: IamStatement[] = [];
    const groups: Record<string, CloudwatchLogGroup> = {};
    if (output.kind === "cloudWatch") {
      const group = new CloudwatchLogGroup(this, "log-group", { name: logGroupName, retentionInDays: output.cloudWatch!.retentionDays ?? DEFAULT_RETENTION_DAYS, tags });
      groups[FLUENT_BIT_NAME] = group;
      // The group's own ARN for DescribeLogStreams, ":*" for its streams.
      statements.push({ sid: "FluentBitWriteLogs", actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], resources: [group.arn, `${group.arn}:*`] });
    } else if (output.openSearch!.domainArn !== undefined) {
      const { awsServiceName } = output.openSearch!;
      const domainArn = output.openSearch!.domainArn!;
      statements.push(
        awsServiceName === "aoss"
          ? { sid: "FluentBitWriteCollection", actions: ["aoss:APIAccessAll"], resources: [domainArn] }
          : { sid: "FluentBitWriteDomain", actions: ["es:ESHttpPost", "es:ESHttpPut"], resources: [`${domainArn}/*`] },
      );
    }
    self.logGroups = groups;
    const identity = o.identity ? o.identity.grant(this, { namespace, name: FLUENT_BIT_NAME }, statements) : {};
    self.roleArn = identity["eks.amazonaws.com/role-arn"];

    self.serviceAccount = new ServiceAccountV1(this, "service-account", {
      metadata: { name: FLUENT_BIT_NAME, namespace: namespaceRef, labels, annotations: Object.keys(identity).length ? { ...identity } : undefined },
      // The kubernetes filter reads pod metadata from the API server with this account's token.
      automountServiceAccountToken: true,
    });
    const clusterWideName = `${namespace}-${FLUENT_BIT_NAME}`;
    self.clusterRole = new ClusterRoleV1(this, "cluster-role", {
      metadata: { name: clusterWideName, labels },
      rule: [{ apiGroups: [""], resources: ["namespaces", "pods"], verbs: ["get", "list", "watch"] }],
    });
    self.clusterRoleBinding = new ClusterRoleBindingV1(this, "cluster-role-binding", {
      metadata: { name: clusterWideName, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.clusterRole!.metadata.name },
      subject: [{ kind: "ServiceAccount", name: this.serviceAccount!.metadata.name, namespace: namespaceRef }],
    });

    const files = { "fluent-bit.conf": renderFluentBitConf({ namespaces: o.namespaces, output, logGroupName }), "parsers.conf": renderFluentBitParsers() };
    self.fluentBitFiles = files;
    // Terraform renders ConfigMap data as templates: Fluent Bit's own ${...} is escaped, references stay.
    self.configMap = new ConfigMapV1(this, "config", {
      metadata: { name: `${FLUENT_BIT_NAME}-config`, namespace: namespaceRef, labels },
      data: Object.fromEntries(Object.keys(files).sort().map((file) => [file, escapeTerraformTemplate(files[file as keyof typeof files])])),
    });

    const basicAuth = output.openSearch?.basicAuth;
    const resources = { cpu: o.resources?.cpu ?? "100m", memory: o.resources?.memory ?? "256Mi" };
    self.daemonSet = new DaemonSetV1(this, "daemon-set", {
      metadata: { name: FLUENT_BIT_NAME, namespace: namespaceRef, labels },
      spec: {
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "1" } },
        template: {
          metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: this.checksum(files) } },
          spec: {
            serviceAccountName: this.serviceAccount!.metadata.name,
            automountServiceAccountToken: true,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            nodeSelector: { "kubernetes.io/os": "linux" },
            // A node whose logs nobody reads is a gap: by default every taint (TaskManager nodes') is tolerated.
            toleration: (o.tolerations ?? [{ operator: "Exists" }]).map((t) => ({ ...t })),
            priorityClassName: o.priorityClassName,
            terminationGracePeriodSeconds: 30,
            container: [
              {
                name: FLUENT_BIT_NAME,
                image: o.image,
                imagePullPolicy: "IfNotPresent",
                command: ["/fluent-bit/bin/fluent-bit", `--config=${FLUENT_BIT_CONF_DIR}/fluent-bit.conf`],
                port: [{ name: "http", containerPort: FLUENT_BIT_HTTP_PORT }],
                env: basicAuth
                  ? [{ name: OPENSEARCH_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: basicAuth.passwordSecret.name, key: basicAuth.passwordSecret.key ?? "password" } } }]
                  : undefined,
                resources: { requests: { cpu: resources.cpu, memory: resources.memory }, limits: { memory: resources.memory } },
                livenessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 10, periodSeconds: 30 },
                // Root, because the container log files under /var/log/pods are root's with mode 0640 and
                // a non-root user gets no capability to read them. Root without any capability still reads
                // them as their owner; everything else stays locked down.
                securityContext: {
                  runAsUser: "0",
                  runAsGroup: "0",
                  runAsNonRoot: false,
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMount: [
                  { name: "config", mountPath: FLUENT_BIT_CONF_DIR, readOnly: true },
                  { name: "varlog", mountPath: "/var/log", readOnly: true },
                  { name: "state", mountPath: FLUENT_BIT_STATE_DIR },
                ],
              },
            ],
            volume: [
              { name: "config", configMap: { name: this.configMap!.metadata.name } },
              { name: "varlog", hostPath: { path: "/var/log", type: "Directory" } },
              // On the node, so that a new pod (an upgrade) goes on from the last one's offsets.
              { name: "state", hostPath: { path: `${HOST_STATE_DIR}/${namespace}`, type: "DirectoryOrCreate" } },
            ],
          },
        },
      },
      waitForRollout: false,
    });
  }

  private checkFluentBit(o: FluentBitOptions, namespace: string, logGroupName: string | undefined): void {
    const problems = new Problems();
    const at = (property: string) => `fluentBit.${property}`;
    checkImageDigest(at("image"), o.image, problems);
    checkDnsLabel(at("namespace.name"), namespace, problems);
    if (o.namespaces.length === 0) {
      problems.error(at("namespaces"), o.namespaces, "must name at least one namespace whose pods' logs are collected", 'add the Flink clusters\' namespaces, e.g. ["flink"].');
    }
    const seen = new Set<string>();
    o.namespaces.forEach((name, i) => {
      // It names the log files read, which must be known at synth.
      if (Token.isUnresolved(name)) problems.error(at(`namespaces[${i}]`), name, "must be known at synth time, not a token");
      else checkDnsLabel(at(`namespaces[${i}]`), name, problems);
      if (seen.has(name)) problems.error(at(`namespaces[${i}]`), name, "repeats an earlier namespace", "list each namespace once.");
      seen.add(name);
    });
    if (o.resources?.cpu !== undefined && !/^\d+(\.\d+)?m?$/.test(o.resources.cpu)) {
      problems.error(at("resources.cpu"), o.resources.cpu, 'must be a Kubernetes CPU quantity such as "100m" or "0.5"');
    }
    if (o.resources?.memory !== undefined && !/^\d+(Ki|Mi|Gi)$/.test(o.resources.memory)) {
      problems.error(at("resources.memory"), o.resources.memory, 'must be a Kubernetes memory quantity in Ki, Mi or Gi, such as "256Mi"');
    }

    const output = o.output;
    const signs = output.kind === "cloudWatch" || output.openSearch!.awsRegion !== undefined;
    if (output.kind === "cloudWatch") {
      const c = output.cloudWatch!;
      checkRegion(at("output.cloudWatch.region"), c.region, problems);
      checkLogGroupName(at("output.cloudWatch.logGroupName"), logGroupName!, problems);
      checkRetention(at("output.cloudWatch.retentionDays"), c.retentionDays, problems);
    } else {
      const s = output.openSearch!;
      const os = (property: string) => at(`output.openSearch.${property}`);
      checkHost(os("host"), s.host, problems);
      checkPort(os("port"), s.port, problems);
      checkIndexName(os("index"), s.index, problems);
      checkRegion(os("awsRegion"), s.awsRegion, problems);
      if (s.awsServiceName !== undefined && !["es", "aoss"].includes(s.awsServiceName)) {
        problems.error(os("awsServiceName"), s.awsServiceName, 'must be "es" (OpenSearch Service) or "aoss" (OpenSearch Serverless)');
      }
      if (s.awsServiceName !== undefined && s.awsRegion === undefined) {
        problems.error(os("awsServiceName"), s.awsServiceName, "only applies to SigV4, which is off without awsRegion", "set awsRegion, or remove awsServiceName.");
      }
      if (s.domainArn !== undefined) {
        const shape = s.awsServiceName === "aoss" ? /^arn:aws[\w-]*:aoss:[a-z0-9-]+:\d{12}:collection\/[a-z0-9]+$/ : /^arn:aws[\w-]*:es:[a-z0-9-]+:\d{12}:domain\/[a-z][a-z0-9-]{2,27}$/;
        if (!Token.isUnresolved(s.domainArn) && !shape.test(s.domainArn)) {
          problems.error(
            os("domainArn"),
            s.domainArn,
            s.awsServiceName === "aoss" ? "must be an OpenSearch Serverless collection ARN (arn:aws:aoss:<region>:<account>:collection/<id>)" : "must be an OpenSearch Service domain ARN (arn:aws:es:<region>:<account>:domain/<name>)",
          );
        }
        if (!o.identity) problems.error(os("domainArn"), s.domainArn, "is only used to grant identity access to the domain, and there is no identity", "set identity: KubernetesIdentity.eksIrsa(eksCluster), or remove domainArn.");
      }
      if (s.basicAuth) {
        if (s.awsRegion !== undefined) problems.error(os("basicAuth"), s.basicAuth.username, "cannot be combined with awsRegion (SigV4)", "use one: awsRegion for Amazon OpenSearch Service's IAM, or basicAuth for its internal users.");
        if (!Token.isUnresolved(s.basicAuth.username) && (s.basicAuth.username === "" || /[\s]/.test(s.basicAuth.username))) {
          problems.error(os("basicAuth.username"), s.basicAuth.username, "must be a user name without spaces");
        }
        checkDnsSubdomain(os("basicAuth.passwordSecret.name"), s.basicAuth.passwordSecret.name, problems);
        if (s.tls === false) problems.error(os("tls"), false, "would send the basicAuth password in clear text", "keep tls on.");
      }
      if (o.identity && s.awsRegion === undefined) {
        problems.error(at("identity"), "an AWS identity", "is only used to sign OpenSearch requests with SigV4, which is off without output.openSearch.awsRegion", "set awsRegion for Amazon OpenSearch Service, or remove identity.");
      }
      if (s.tls === false && !s.basicAuth) {
        problems.warn("flink:log-shipping-no-tls", `fluentBit.output.openSearch.tls is off: Flink's logs travel to ${s.host} in clear text. Keep TLS on outside a test cluster.`);
      }
    }
    if (signs && !o.identity) {
      problems.warn(
        "flink:log-shipping-no-identity",
        "fluentBit has no identity, so Fluent Bit signs with the AWS SDK's default credentials; pods on FlinkEksCluster nodes cannot reach the node role (IMDS hop limit 1) and get none. Set identity: KubernetesIdentity.eksIrsa(eksCluster).",
      );
    }
    this.report(problems);
  }

  /** Computed here when the files hold no references; otherwise by Terraform over the rendered files. */
  private checksum(files: Readonly<Record<string, string>>): string {
    const joined = Object.keys(files).sort().map((file) => `${file}\n${files[file]}`).join("\n");
    if (!Token.isUnresolved(joined)) return createHash("sha256").update(joined).digest("hex");
    return Fn.sha256(new TerraformLocal(this, "fluent_bit_files", escapeTerraformTemplate(joined)).asString);
  }
}
