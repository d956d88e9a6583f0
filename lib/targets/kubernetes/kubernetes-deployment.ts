import { createHash } from "crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1, DeploymentV1SpecTemplateSpec } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1, NetworkPolicyV1SpecIngress, NetworkPolicyV1SpecIngressFrom } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { taskManagerAutoscaler } from "./kubernetes-autoscaling";
import { Fn, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { escapeTerraformTemplate } from "../../private/terraform-text";
import { TLS_SETUP_SCRIPT } from "../../tls/tls-setup-script";
import { TLS_SETUP_KEY, certManagerCertificates, tlsPodParts } from "./tls-pod";
import { FLINK_UID, addClusterOutputs, restOutputs, metricsSources, pluginCopyCommands, requiredPlugins, secretStores, shellQuote } from "../flink-process";
import { HighAvailabilityNeeds, TlsNeeds } from "../../cluster-feature";
import { DeployableCluster } from "../target";
import { KubernetesAccess, KubernetesMode, KubernetesResources, KubernetesScheduling, KubernetesTarget, LOCAL_STATE_DIR } from "./kubernetes-target";

export interface FlinkKubernetesDeploymentProps {
  readonly target: KubernetesTarget;
  readonly cluster: DeployableCluster;
}

const FLINK_USER = String(FLINK_UID);
const CONF_DIR = "/opt/flink/conf";
export const CONFIG_CHECKSUM_ANNOTATION = "cdktf-flink/config-sha256";

type Role = "jobmanager" | "taskmanager";

/** A byte count as a Kubernetes quantity: Mi when it divides evenly, plain bytes otherwise. */
function memoryQuantity(bytes: number): string {
  return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20}Mi` : String(bytes);
}

/**
 * The Kubernetes objects of one standalone cluster, shaped like Flink's own standalone-Kubernetes
 * deployment, with locked-down pods: non-root, no privilege escalation, no capabilities, read-only
 * root filesystem, and a NetworkPolicy that admits only Flink's own flows.
 */
export class FlinkKubernetesDeployment extends Construct {
  public readonly namespace?: NamespaceV1;
  public readonly serviceAccount: ServiceAccountV1;
  public readonly configMap: ConfigMapV1;
  public readonly jobManagerService: ServiceV1;
  public readonly restService: ServiceV1;
  public readonly jobManager: DeploymentV1;
  public readonly taskManagers: DeploymentV1 | StatefulSetV1;
  public readonly taskManagerBudget: PodDisruptionBudgetV1;
  /** The TaskManagers' HorizontalPodAutoscaler, with `taskManagers.autoscaling`. */
  public readonly taskManagerAutoscaler?: HorizontalPodAutoscalerV2;
  public readonly networkPolicies: readonly NetworkPolicyV1[];
  /** Kubernetes HA: what Flink's leader election and job store need on the namespace's ConfigMaps. */
  public readonly haRole?: RoleV1;
  public readonly jobManagerBudget?: PodDisruptionBudgetV1;
  public readonly ingress?: IngressV1;
  /** The SHA-256 of the rendered files, in each pod template: a changed configuration rolls the pods. */
  public readonly configChecksum: string;

  private readonly target: KubernetesTarget;
  private readonly cluster: DeployableCluster;
  private readonly namespaceName: string;
  private readonly ha?: HighAvailabilityNeeds;
  private readonly tls?: TlsNeeds;

  constructor(scope: Construct, id: string, props: FlinkKubernetesDeploymentProps) {
    super(scope, id);
    this.target = props.target;
    this.cluster = props.cluster;
    this.ha = this.cluster.contributions.find((c) => c.highAvailability)?.highAvailability;
    this.tls = secretStores(this.cluster);
    const p = this.target.props;
    const name = this.cluster.clusterName;

    if (p.namespace.create ?? true) {
      this.namespace = new NamespaceV1(this, "Namespace", { metadata: { name: p.namespace.name, labels: this.labels() } });
    }
    // Objects reference the namespace resource when it is created here, so they wait for it.
    this.namespaceName = this.namespace ? this.namespace.metadata.name : p.namespace.name;

    const statements = this.cluster.contributions.flatMap((c) => c.iamStatements ?? []);
    const identityAnnotations = p.awsIdentity ? p.awsIdentity.grant(this, { namespace: p.namespace.name, name }, statements) : {};
    this.serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
      metadata: this.metadata(name, undefined, { ...p.serviceAccountAnnotations, ...identityAnnotations }),
      automountServiceAccountToken: false,
    });

    if (this.ha?.kind === "kubernetes") {
      // Flink's Kubernetes HA elects its leader on a ConfigMap lock and keeps the job store in ConfigMaps
      // (<cluster-id>-cluster-config-map, <cluster-id>-<job>-config-map). TaskManagers watch them to find
      // the leader, so both roles' pods use this service account.
      this.haRole = new RoleV1(this, "HaRole", {
        metadata: this.metadata(`${name}-ha`),
        rule: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }],
      });
      new RoleBindingV1(this, "HaRoleBinding", {
        metadata: this.metadata(`${name}-ha`),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.haRole.metadata.name },
        subject: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: this.namespaceName }],
      });
    }

    // Terraform renders ConfigMap data as templates: literal ${...} (log4j lookups) is escaped, references stay.
    // With TLS the init container runs the setup script from the ConfigMap too.
    const files = this.tls ? { ...this.cluster.flinkFiles, [TLS_SETUP_KEY]: TLS_SETUP_SCRIPT } : this.cluster.flinkFiles;
    this.configMap = new ConfigMapV1(this, "Config", {
      metadata: this.metadata(`${name}-config`),
      data: Object.fromEntries(Object.keys(files).sort().map((file) => [file, escapeTerraformTemplate(files[file])])),
    });
    this.configChecksum = this.checksum(files);

    const ports = this.cluster.ports;
    this.jobManagerService = new ServiceV1(this, "JobManagerService", {
      metadata: this.metadata(this.target.jobManagerService(this.cluster), "jobmanager"),
      spec: {
        type: "ClusterIP",
        selector: this.selector("jobmanager"),
        port: [
          { name: "rpc", port: Number(ports.jobManagerRpc), targetPort: "rpc" },
          { name: "blob", port: Number(ports.blobServer), targetPort: "blob" },
        ],
      },
    });
    this.restService = new ServiceV1(this, "RestService", {
      metadata: this.metadata(`${name}-rest`, "jobmanager"),
      spec: { type: "ClusterIP", selector: this.selector("jobmanager"), port: [{ name: "rest", port: Number(ports.rest), targetPort: "rest" }] },
    });

    const mode = p.mode ?? KubernetesMode.session();
    this.jobManager = new DeploymentV1(this, "JobManager", {
      metadata: this.metadata(`${name}-jobmanager`, "jobmanager"),
      spec: {
        replicas: String(this.target.jobManagerReplicas),
        selector: { matchLabels: this.selector("jobmanager") },
        // Without HA two JobManagers of one cluster must never run at once; with HA a new one stands by first.
        strategy: this.ha ? { type: "RollingUpdate", rollingUpdate: { maxSurge: "1", maxUnavailable: "0" } } : { type: "Recreate" },
        template: { metadata: this.podMetadata("jobmanager"), spec: this.podSpec("jobmanager", this.jobManagerCommand(mode), p.jobManager?.resources, p.jobManager?.scheduling) },
      },
      waitForRollout: false,
    });

    const tm = p.taskManagers;
    const localDir = this.cluster.configuration.entries.get("state.backend.rocksdb.localdir") as string | undefined;
    if (tm.localStateVolume) {
      // A stable resource id (the pod's name) lets a restarted TaskManager find its working directory on the volume.
      const tmCommand = ["exec /opt/flink/bin/taskmanager.sh start-foreground -Dtaskmanager.resource-id=$POD_NAME"];
      // A headless Service gives the StatefulSet's pods their stable identity.
      new ServiceV1(this, "TaskManagerService", {
        metadata: this.metadata(`${name}-taskmanager`, "taskmanager"),
        spec: { clusterIp: "None", selector: this.selector("taskmanager"), port: [{ name: "data", port: Number(ports.taskManagerData), targetPort: "data" }] },
      });
      this.taskManagers = new StatefulSetV1(this, "TaskManagers", {
        metadata: this.metadata(`${name}-taskmanager`, "taskmanager"),
        spec: {
          serviceName: `${name}-taskmanager`,
          replicas: String(tm.replicas),
          podManagementPolicy: "Parallel",
          selector: { matchLabels: this.selector("taskmanager") },
          template: { metadata: this.podMetadata("taskmanager"), spec: this.podSpec("taskmanager", tmCommand, tm.resources, tm.scheduling, { name: "local-state", path: LOCAL_STATE_DIR }) },
          volumeClaimTemplate: [
            {
              metadata: { name: "local-state" },
              spec: { accessModes: ["ReadWriteOnce"], storageClassName: tm.localStateVolume.storageClassName, resources: { requests: { storage: tm.localStateVolume.size } } },
            },
          ],
        },
        waitForRollout: false,
      });
    } else {
      const tmCommand = ["exec /opt/flink/bin/taskmanager.sh start-foreground"];
      this.taskManagers = new DeploymentV1(this, "TaskManagers", {
        metadata: this.metadata(`${name}-taskmanager`, "taskmanager"),
        spec: {
          replicas: String(tm.replicas),
          selector: { matchLabels: this.selector("taskmanager") },
          template: { metadata: this.podMetadata("taskmanager"), spec: this.podSpec("taskmanager", tmCommand, tm.resources, tm.scheduling, localDir ? { name: "local-state", path: localDir } : undefined) },
        },
        waitForRollout: false,
      });
    }
    if (tm.autoscaling) this.taskManagerAutoscaler = taskManagerAutoscaler(this, this.taskManagers, this.metadata(`${name}-taskmanager`, "taskmanager"), tm.autoscaling);
    this.taskManagerBudget = new PodDisruptionBudgetV1(this, "TaskManagerBudget", {
      metadata: this.metadata(`${name}-taskmanager`, "taskmanager"),
      spec: { maxUnavailable: "1", selector: { matchLabels: this.selector("taskmanager") } },
    });
    if (this.target.jobManagerReplicas > 1) {
      this.jobManagerBudget = new PodDisruptionBudgetV1(this, "JobManagerBudget", {
        metadata: this.metadata(`${name}-jobmanager`, "jobmanager"),
        spec: { maxUnavailable: "1", selector: { matchLabels: this.selector("jobmanager") } },
      });
    }
    this.networkPolicies = this.networkPolicy();
    this.allowQuorum();

    if (p.ingress) {
      this.ingress = new IngressV1(this, "Ingress", {
        metadata: this.metadata(`${name}-web`, "jobmanager", p.ingress.annotations),
        spec: {
          ingressClassName: p.ingress.className,
          rule: [{ host: p.ingress.host, http: { path: [{ path: "/", pathType: "Prefix", backend: { service: { name: this.restService.metadata.name, port: { name: "rest" } } } }] } }],
          tls: p.ingress.tlsSecretName ? [{ hosts: [p.ingress.host], secretName: p.ingress.tlsSecretName }] : undefined,
        },
      });
    }

    const rest = `${name}-rest.${p.namespace.name}.svc:${ports.rest}`;
    if (this.tls) {
      const services = [`${name}-rest`, this.target.jobManagerService(this.cluster)];
      certManagerCertificates(this, name, this.namespaceName, this.tls, services.flatMap((s) => [s, `${s}.${p.namespace.name}.svc`]), this.labels());
    }
    addClusterOutputs(
      this,
      this.cluster,
      restOutputs(this.cluster, {
        jobManagerAddress: this.target.jobManagerAddress(this.cluster),
        rest,
        restUrl: p.ingress ? `${p.ingress.tlsSecretName ? "https" : "http"}://${p.ingress.host}` : `${this.tls?.restHttps ? "https" : "http"}://${rest}`,
        session: mode.kind === "session",
      }),
      {
        runtime: `image ${p.image}`,
        // A changed pod template rolls the pods; a replaced object restarts them.
        jobManager: [this.jobManager],
        taskManagers: [this.taskManagers],
        // Kubernetes HA's ConfigMaps are Flink's, not Terraform's: they go with the namespace.
        haData: this.ha?.kind === "kubernetes" && this.namespace ? [this.namespace] : [],
      },
    );
  }

  private labels(component?: Role): Record<string, string> {
    return {
      ...this.target.props.labels,
      "app.kubernetes.io/name": "flink",
      "app.kubernetes.io/instance": this.cluster.clusterName,
      "app.kubernetes.io/managed-by": "cdktf-flink",
      // Prometheus' pod discovery reads the version from here (flink_version).
      "app.kubernetes.io/version": this.cluster.version.version,
      ...(component ? { "app.kubernetes.io/component": component } : {}),
    };
  }

  private selector(component: Role): Record<string, string> {
    return { "app.kubernetes.io/instance": this.cluster.clusterName, "app.kubernetes.io/component": component };
  }

  private metadata(name: string, component?: Role, annotations?: Readonly<Record<string, string>>) {
    const all = { ...this.target.props.annotations, ...annotations };
    return { name, namespace: this.namespaceName, labels: this.labels(component), annotations: Object.keys(all).length ? all : undefined };
  }

  private podMetadata(component: Role) {
    return { labels: this.labels(component), annotations: { ...this.target.props.annotations, [CONFIG_CHECKSUM_ANNOTATION]: this.configChecksum } };
  }

  /** Computed here when the files hold no references; otherwise by Terraform over the rendered files. */
  private checksum(files: Readonly<Record<string, string>>): string {
    const joined = Object.keys(files).sort().map((file) => `${file}\n${files[file]}`).join("\n");
    if (!Token.isUnresolved(joined)) return createHash("sha256").update(joined).digest("hex");
    return Fn.sha256(new TerraformLocal(this, "config_files", escapeTerraformTemplate(joined)).asString);
  }

  private jobManagerCommand(mode: KubernetesMode): string[] {
    // Under HA each JobManager announces its pod IP (the Service would name all of them), as the Flink
    // operator does; jobmanager.sh takes options as "-D key=value", two arguments.
    const own = this.ha ? " -D jobmanager.rpc.address=$POD_IP -D rest.address=$POD_IP" : "";
    if (mode.kind === "session") return [`exec /opt/flink/bin/jobmanager.sh start-foreground${own}`];
    const job = mode.job!;
    const quote = shellQuote;
    const entries = this.cluster.configuration.entries;
    const restorePath = entries.get("execution.state-recovery.path");
    const options = [
      `--job-classname ${quote(job.entryClass)}`,
      // The cluster's restore, also in config.yaml: standalone-job.sh takes it on its command line too.
      ...(typeof restorePath === "string" ? [`--fromSavepoint ${quote(restorePath)}`] : []),
      ...(entries.get("execution.state-recovery.ignore-unclaimed-state") === true ? ["--allowNonRestoredState"] : []),
    ];
    return [`exec /opt/flink/bin/standalone-job.sh start-foreground${own} ${[...options, ...(job.args ?? []).map(quote)].join(" ")}`];
  }

  private podSpec(role: Role, start: string[], resources: KubernetesResources | undefined, scheduling: KubernetesScheduling | undefined, localState?: { name: string; path: string }): DeploymentV1SpecTemplateSpec {
    const p = this.target.props;
    const ports = this.cluster.ports;
    const plugins = requiredPlugins(this.cluster);
    const containerPorts =
      role === "jobmanager"
        ? [{ name: "rpc", containerPort: Number(ports.jobManagerRpc) }, { name: "blob", containerPort: Number(ports.blobServer) }, { name: "rest", containerPort: Number(ports.rest) }]
        : [{ name: "rpc", containerPort: Number(ports.taskManagerRpc) }, { name: "data", containerPort: Number(ports.taskManagerData) }];
    containerPorts.push({ name: "metrics-query", containerPort: Number(ports.metricQueryService) });
    ports.metrics.forEach((port, i) => containerPorts.push({ name: i === 0 ? "metrics" : `metrics-${i}`, containerPort: Number(port) }));

    // The image's entry point rewrites config.yaml; starting Flink's script directly keeps ours byte for byte.
    const script = [...pluginCopyCommands("/opt/flink", plugins), ...start].join(" && ");
    const memory = this.memoryLimit(role, resources);
    const tls = this.tls ? tlsPodParts(this.cluster.clusterName, this.tls, "config", CONF_DIR) : undefined;
    const containerSecurity = { runAsNonRoot: true, runAsUser: FLINK_USER, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
    const cpuRequest = String(resources?.cpuRequest ?? (role === "taskmanager" ? (this.cluster.configuration.taskSlots ?? 1) : 1));
    const cpuLimit = String(resources?.cpuLimit ?? cpuRequest);
    // Writable places on a read-only root: Flink's temp and log directories, and the plugin folders.
    const scratch = [
      { name: "tmp", path: "/tmp" },
      { name: "log", path: "/opt/flink/log" },
      ...plugins.map((plugin) => ({ name: `plugin-${plugin}`.slice(0, 63), path: `/opt/flink/plugins/${plugin}` })),
    ];
    return {
      serviceAccountName: this.serviceAccount.metadata.name,
      // The API token only where Kubernetes HA needs it.
      automountServiceAccountToken: this.ha?.kind === "kubernetes",
      securityContext: { runAsNonRoot: true, runAsUser: FLINK_USER, runAsGroup: FLINK_USER, fsGroup: FLINK_USER, seccompProfile: { type: "RuntimeDefault" } },
      imagePullSecrets: p.imagePullSecrets?.map((name) => ({ name })),
      nodeSelector: scheduling?.nodeSelector ? { ...scheduling.nodeSelector } : undefined,
      toleration: scheduling?.tolerations?.map((t) => ({ ...t })),
      priorityClassName: scheduling?.priorityClassName,
      affinity: this.affinity(role, scheduling),
      // TLS: the stores and the config.yaml with their passwords, built before Flink starts.
      initContainer: tls
        ? [
            {
              name: "tls-setup",
              image: p.image,
              imagePullPolicy: p.imagePullPolicy ?? "IfNotPresent",
              command: tls.initCommand,
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
              securityContext: containerSecurity,
              volumeMount: [...tls.initMounts, { name: "tmp", mountPath: "/tmp" }],
            },
          ]
        : undefined,
      container: [
        {
          name: role,
          image: p.image,
          imagePullPolicy: p.imagePullPolicy ?? "IfNotPresent",
          command: ["/bin/bash", "-c", script],
          port: containerPorts,
          env: [
            { name: "FLINK_CONF_DIR", value: tls?.confDir ?? CONF_DIR },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ...(this.ha && role === "jobmanager" ? [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] : []),
          ],
          resources: { requests: { cpu: cpuRequest, ...(memory && { memory }) }, limits: { cpu: cpuLimit, ...(memory && { memory }) } },
          livenessProbe: { tcpSocket: [{ port: "rpc" }], initialDelaySeconds: 30, periodSeconds: 60 },
          readinessProbe:
            role === "jobmanager"
              ? this.restProbe()
              : { tcpSocket: [{ port: "rpc" }], initialDelaySeconds: 10, periodSeconds: 10 },
          securityContext: containerSecurity,
          volumeMount: [
            ...(tls ? tls.mainMounts : [{ name: "config", mountPath: CONF_DIR, readOnly: true }]),
            ...scratch.map((v) => ({ name: v.name, mountPath: v.path })),
            ...(localState ? [{ name: localState.name, mountPath: localState.path }] : []),
          ],
        },
      ],
      volume: [
        { name: "config", configMap: { name: this.configMap.metadata.name } },
        ...(tls?.volumes ?? []),
        ...scratch.map((v) => ({ name: v.name, emptyDir: {} })),
        // On a StatefulSet the local state comes from the volume claim template instead.
        ...(localState && !this.target.props.taskManagers.localStateVolume ? [{ name: localState.name, emptyDir: {} }] : []),
      ],
    };
  }

  /** The JobManager is ready when REST answers: over https with REST TLS; a mutual REST port can only be checked open. */
  private restProbe() {
    if (this.tls?.restMutual) return { tcpSocket: [{ port: "rest" }], initialDelaySeconds: 10, periodSeconds: 10 };
    return { httpGet: { path: "/config", port: "rest", ...(this.tls?.restHttps ? { scheme: "HTTPS" } : {}) }, initialDelaySeconds: 10, periodSeconds: 10 };
  }

  /** The limit (and request): the user's, or exactly Flink's process size. */
  private memoryLimit(role: Role, resources: KubernetesResources | undefined): string | undefined {
    if (resources?.memory) return resources.memory;
    const process = role === "jobmanager" ? this.cluster.derivedMemory.jobManager?.totalProcess : this.cluster.derivedMemory.taskManager?.totalProcess;
    return process === undefined ? undefined : memoryQuantity(process);
  }

  private affinity(role: Role, scheduling: KubernetesScheduling | undefined): DeploymentV1SpecTemplateSpec["affinity"] {
    const spread = scheduling?.antiAffinity ?? (role === "taskmanager" || this.target.jobManagerReplicas > 1 ? "preferred" : "none");
    const term = { labelSelector: [{ matchLabels: this.selector(role) }], topologyKey: "kubernetes.io/hostname" };
    const podAntiAffinity =
      spread === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : spread === "preferred"
          ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] }
          : undefined;
    const nodeAffinity = scheduling?.nodeAffinity as NonNullable<DeploymentV1SpecTemplateSpec["affinity"]>["nodeAffinity"];
    return podAntiAffinity || nodeAffinity ? { podAntiAffinity, nodeAffinity } : undefined;
  }

  /** A ZooKeeper ensemble on Kubernetes: admit this cluster's pods to its client port, in its namespace. */
  private allowQuorum(): void {
    const quorum = this.ha?.quorum;
    if (!quorum?.pods) return;
    new NetworkPolicyV1(this, "ZooKeeperAccess", {
      metadata: { name: `flink-${this.cluster.clusterName}-${this.target.props.namespace.name}`.slice(0, 63).replace(/-+$/, ""), namespace: quorum.pods.namespace, labels: this.labels() },
      spec: {
        podSelector: { matchLabels: { ...quorum.pods.labels } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": this.target.props.namespace.name } }, podSelector: { matchLabels: { "app.kubernetes.io/instance": this.cluster.clusterName } } }],
            ports: [{ port: String(quorum.clientPort), protocol: "TCP" }],
          },
        ],
      },
    });
  }

  /** Ingress only: Flink's own flows between the roles, plus REST and metrics from the given sources. */
  private networkPolicy(): NetworkPolicyV1[] {
    const p = this.target.props;
    const ports = this.cluster.ports;
    const fromRole = (role: Role): NetworkPolicyV1SpecIngressFrom[] => [{ podSelector: { matchLabels: this.selector(role) } }];
    const tcp = (...numbers: Array<number | string>) => numbers.map((port) => ({ port: String(port), protocol: "TCP" }));
    const peers = (access: KubernetesAccess | undefined): NetworkPolicyV1SpecIngressFrom[] => [
      ...(access?.namespaceLabels ?? []).map((labels) => ({ namespaceSelector: { matchLabels: { ...labels } } })),
      ...(access?.podLabels ?? []).map((labels) => ({ podSelector: { matchLabels: { ...labels } } })),
      ...(access?.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
    ];
    const metrics = peers(metricsSources(this.cluster, p.metricsAccess));
    const rest = peers(p.restAccess);
    const rules: Record<Role, NetworkPolicyV1SpecIngress[]> = {
      jobmanager: [
        // A standby JobManager calls the leader, and forwards blobs of jobs submitted through it.
        { from: [...fromRole("taskmanager"), ...(this.target.jobManagerReplicas > 1 ? fromRole("jobmanager") : [])], ports: tcp(ports.jobManagerRpc, ports.blobServer) },
        // A standby's web UI asks the leader's metric query service for the JobManager's metrics.
        ...(this.target.jobManagerReplicas > 1 ? [{ from: fromRole("jobmanager"), ports: tcp(ports.metricQueryService) }] : []),
        ...(rest.length ? [{ from: rest, ports: tcp(ports.rest) }] : []),
      ],
      taskmanager: [
        { from: fromRole("jobmanager"), ports: tcp(ports.taskManagerRpc, ports.metricQueryService) },
        { from: fromRole("taskmanager"), ports: tcp(ports.taskManagerData) },
      ],
    };
    return (["jobmanager", "taskmanager"] as const).map(
      (role) =>
        new NetworkPolicyV1(this, `${role === "jobmanager" ? "JobManager" : "TaskManager"}NetworkPolicy`, {
          metadata: this.metadata(`${this.cluster.clusterName}-${role}`, role),
          spec: {
            podSelector: { matchLabels: this.selector(role) },
            policyTypes: ["Ingress"],
            ingress: [...rules[role], ...(metrics.length && ports.metrics.length ? [{ from: metrics, ports: tcp(...ports.metrics) }] : [])],
          },
        }),
    );
  }
}
