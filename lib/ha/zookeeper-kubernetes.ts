import { createHash } from "crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Annotations } from "cdktf";
import { Construct } from "constructs";
import { Problems } from "../config/problems";
import { parseMemorySize } from "../config/units";
import { checkDnsLabel } from "../targets/kubernetes/kubernetes-names";
import { quantityValue } from "../targets/kubernetes/kubernetes-target";
import type { ZooKeeperEnsemble, ZooKeeperServersInput } from "./zookeeper-ensemble";
import { ZOOKEEPER_DATA_DIR, ZOOKEEPER_DATA_LOG_DIR, isKnown } from "./zookeeper-ensemble";

export interface ZooKeeperKubernetesPlacement {
  /** The namespace; created unless `create` is false. */
  readonly namespace: { readonly name: string; readonly create?: boolean };
  /** The official ZooKeeper image (or one built on it), ideally pinned by digest. @default "zookeeper:3.8.4" */
  readonly image?: string;
  /** Each server's persistent volume. @default { size: "10Gi" } */
  readonly storage?: { readonly size: string; readonly storageClassName?: string };
  /** CPU request and memory (request = limit). @default { cpu: "500m", memory: heap + 512Mi } */
  readonly resources?: { readonly cpu?: string; readonly memory?: string };
  /** The cluster's DNS domain. @default "cluster.local" */
  readonly clusterDomain?: string;
}

export const ZOO_CFG_CHECKSUM_ANNOTATION = "cdktf-flink/zoo-cfg-sha256";
/** The official image's zookeeper user and group. */
const ZOOKEEPER_USER = 1000;
const DATA_MOUNT = "/var/lib/zookeeper";
const CONFIG_MOUNT = "/config";

/**
 * The Kubernetes objects of an ensemble: a StatefulSet whose pods keep their name and volume, a
 * headless Service for their stable DNS names, a client Service, a PodDisruptionBudget that keeps the
 * majority up, required anti-affinity (one server per node) and a NetworkPolicy that admits the peer
 * and election ports from the servers only (each bound cluster admits its own pods to the client port).
 */
export class ZooKeeperKubernetesServers extends Construct {
  /** The servers' stable DNS names through the headless Service, in myid order (pod ordinal + 1). */
  public static addresses(ensemble: ZooKeeperEnsemble, placement: ZooKeeperKubernetesPlacement): string[] {
    const domain = placement.clusterDomain ?? "cluster.local";
    return Array.from({ length: ensemble.servers }, (_, i) => `${ensemble.name}-${i}.${ensemble.name}-headless.${placement.namespace.name}.svc.${domain}`);
  }

  public readonly statefulSet: StatefulSetV1;
  public readonly configMap: ConfigMapV1;
  public readonly networkPolicy: NetworkPolicyV1;
  private readonly namespaceName: string;
  private readonly selector: Record<string, string>;

  constructor(scope: ZooKeeperEnsemble, id: string, props: ZooKeeperServersInput & { placement: ZooKeeperKubernetesPlacement }) {
    super(scope, id);
    const { ensemble, placement: p } = props;
    const name = ensemble.name;
    const image = p.image ?? "zookeeper:3.8.4";
    // The ensemble accepts only whole m or g heaps, so the heap is a whole number of MiB.
    const heapMi = Number(parseMemorySize(ensemble.heap)! / 2n ** 20n);
    const memory = p.resources?.memory ?? `${heapMi + 512}Mi`;
    const problems = new Problems();
    checkDnsLabel("placement.namespace.name", p.namespace.name, problems);
    const storageSize = p.storage?.size ?? "10Gi";
    if (isKnown(storageSize) && !((quantityValue(storageSize, "memory") ?? 0) > 0)) problems.error("placement.storage.size", storageSize, "must be a Kubernetes storage quantity such as 10Gi", "give the volume's size.");
    const memoryBytes = quantityValue(memory, "memory");
    if (memoryBytes === undefined || memoryBytes <= heapMi * 2 ** 20) problems.error("placement.resources.memory", memory, `must be a memory quantity above the heap (${ensemble.heap})`, "leave room for the JVM beyond its heap, e.g. heap + 512Mi.");
    problems.throwIfErrors(`ZooKeeperEnsemble "${ensemble.node.path}":`);
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
      Annotations.of(ensemble).addWarning(`[flink:image-not-pinned] placement.image ${image} is not pinned by digest: servers started later may run a different image. Append @sha256:<digest>.`);
    }

    const namespace = p.namespace.create === false ? undefined : new NamespaceV1(this, "Namespace", { metadata: { name: p.namespace.name } });
    this.namespaceName = namespace ? namespace.metadata.name : p.namespace.name;
    this.selector = { "app.kubernetes.io/name": "zookeeper", "app.kubernetes.io/instance": name };
    const labels = { ...this.selector, "app.kubernetes.io/managed-by": "cdktf-flink" };
    const metadata = (objectName: string) => ({ name: objectName, namespace: this.namespaceName, labels });
    const ports = ensemble.ports;

    // zoo.cfg and every server's myid; a server copies its own myid (by pod ordinal) into its data directory.
    const data = { "zoo.cfg": props.zooCfg, ...Object.fromEntries(Object.entries(props.myids).map(([server, content]) => [`myid-${server}`, content])) };
    this.configMap = new ConfigMapV1(this, "Config", { metadata: metadata(`${name}-config`), data });
    new ServiceV1(this, "Headless", {
      metadata: metadata(`${name}-headless`),
      spec: {
        clusterIp: "None",
        // Servers must find each other before they are ready: readiness needs a quorum.
        publishNotReadyAddresses: true,
        selector: this.selector,
        port: [
          { name: "client", port: ports.client, targetPort: "client" },
          { name: "peer", port: ports.peer, targetPort: "peer" },
          { name: "election", port: ports.election, targetPort: "election" },
        ],
      },
    });
    new ServiceV1(this, "Client", { metadata: metadata(name), spec: { selector: this.selector, port: [{ name: "client", port: ports.client, targetPort: "client" }] } });

    const checksum = createHash("sha256").update(JSON.stringify(data)).digest("hex");
    const start = [
      `server=$(( $(hostname | awk -F- '{print $NF}') + 1 ))`,
      `mkdir -p ${ZOOKEEPER_DATA_DIR} ${ZOOKEEPER_DATA_LOG_DIR}`,
      `cp ${CONFIG_MOUNT}/myid-$server ${ZOOKEEPER_DATA_DIR}/myid`,
      `exec zkServer.sh start-foreground ${CONFIG_MOUNT}/zoo.cfg`,
    ].join(" && ");
    this.statefulSet = new StatefulSetV1(this, "Servers", {
      metadata: metadata(name),
      spec: {
        serviceName: `${name}-headless`,
        replicas: String(ensemble.servers),
        podManagementPolicy: "Parallel",
        selector: { matchLabels: this.selector },
        updateStrategy: [{ type: "RollingUpdate" }],
        template: {
          // A changed zoo.cfg rolls the servers one at a time (readiness gates the next).
          metadata: { labels, annotations: { [ZOO_CFG_CHECKSUM_ANNOTATION]: checksum } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: String(ZOOKEEPER_USER), runAsGroup: String(ZOOKEEPER_USER), fsGroup: String(ZOOKEEPER_USER), seccompProfile: { type: "RuntimeDefault" } },
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: [{ matchLabels: this.selector }], topologyKey: "kubernetes.io/hostname" }] } },
            container: [
              {
                name: "zookeeper",
                image,
                command: ["/bin/bash", "-c", start],
                port: [
                  { name: "client", containerPort: ports.client },
                  { name: "peer", containerPort: ports.peer },
                  { name: "election", containerPort: ports.election },
                ],
                env: [
                  { name: "ZOO_LOG_DIR", value: "/logs" },
                  { name: "SERVER_JVMFLAGS", value: `-Xms${ensemble.heap} -Xmx${ensemble.heap}` },
                ],
                resources: { requests: { cpu: p.resources?.cpu ?? "500m", memory }, limits: { memory } },
                // Ready once the server has joined the quorum (the client port opens before the election):
                // a rolling update or a drain then never takes the next server while this one still syncs.
                readinessProbe: {
                  exec: { command: ["/bin/bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${ports.client} && echo srvr >&3 && grep -qE '^Mode: (leader|follower)' <&3`] },
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                },
                livenessProbe: { tcpSocket: [{ port: "client" }], initialDelaySeconds: 30, periodSeconds: 30 },
                securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                volumeMount: [
                  { name: "data", mountPath: DATA_MOUNT },
                  { name: "config", mountPath: CONFIG_MOUNT, readOnly: true },
                  { name: "logs", mountPath: "/logs" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volume: [
              { name: "config", configMap: { name: this.configMap.metadata.name } },
              { name: "logs", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplate: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: p.storage?.storageClassName, resources: { requests: { storage: storageSize } } } }],
      },
      waitForRollout: false,
    });
    // One server at a time may be taken down by a drain: the majority stays.
    new PodDisruptionBudgetV1(this, "Budget", { metadata: metadata(name), spec: { maxUnavailable: "1", selector: { matchLabels: this.selector } } });
    this.networkPolicy = new NetworkPolicyV1(this, "Quorum", {
      metadata: metadata(`${name}-quorum`),
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: this.selector } }], ports: [ports.peer, ports.election].map((port) => ({ port: String(port), protocol: "TCP" })) }],
      },
    });
  }

  /** Bound clusters admit their pods to the client port with a NetworkPolicy of their own. */
  public clientAccess(): { pods: { namespace: string; labels: Record<string, string> } } {
    return { pods: { namespace: this.namespaceName, labels: this.selector } };
  }
}
