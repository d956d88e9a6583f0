import { TLS_SETUP_SCRIPT } from "../lib/tls/tls-setup-script";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import { parse } from "yaml";
import { eksExample } from "../examples/eks/main";
import { kubernetesApplicationExample } from "../examples/kubernetes-application/main";
import { FlinkCluster, FlinkClusterProps, FlinkStateStorage, FlinkTarget, FlinkVersion, KubernetesMode, KubernetesTargetProps, Logging, StateBackend } from "../lib";
import { unescapeTerraformTemplate } from "../lib/private/terraform-text";
import { resourcesOf, synthStack } from "./helpers/synth";

const all = resourcesOf;
const named = (tf: any, type: string, name: string) => all(tf, type).find((r) => r.metadata.name === name)!;
const container = (workload: any) => workload.spec.template.spec.container[0];
const portsOf = (c: any) => Object.fromEntries(c.port.map((p: any) => [p.name, p.container_port]));


const TARGET: KubernetesTargetProps = { namespace: { name: "flink" }, image: "flink:2.2.0-java17", taskManagers: { replicas: 2 } };

/** A cluster on Kubernetes, synthesized to Terraform JSON. */
function synthCluster(props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<KubernetesTargetProps> } = {}) {
  const stack = new TerraformStack(Testing.app(), "k8s");
  new KubernetesProvider(stack, "kubernetes", {});
  const { target, ...rest } = props;
  const cluster = new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_2,
    taskManager: { slots: 2, memory: { process: "4g" } },
    ...rest,
    target: FlinkTarget.kubernetes({ ...TARGET, ...target }),
  });
  return { tf: JSON.parse(Testing.synth(stack)), cluster };
}

describe("the kubernetes-application example", () => {
  const { tf, flinkDir } = synthStack(kubernetesApplicationExample);
  const read = (file: string) => fs.readFileSync(path.join(flinkDir, "orders", file), "utf8");
  const jm = named(tf, "kubernetes_deployment_v1", "orders-jobmanager");
  const tm = named(tf, "kubernetes_stateful_set_v1", "orders-taskmanager");
  const memory = JSON.parse(read("memory.json"));

  test("the ConfigMap carries config.yaml and log4j byte-equal to the files beside the Terraform", () => {
    const data = named(tf, "kubernetes_config_map_v1", "orders-config").data;
    expect(unescapeTerraformTemplate(data["config.yaml"])).toBe(read("config.yaml"));
    expect(unescapeTerraformTemplate(data["log4j-console.properties"])).toBe(read("log4j-console.properties"));
    expect(read("config.yaml")).toContain("jobmanager.rpc.address: orders-jobmanager.flink-apps.svc\n");
  });

  test("log4j's own ${sys:log.file} lookups reach the pod unchanged instead of being taken by Terraform", () => {
    const { tf: withFile, cluster } = synthCluster({ logging: Logging.seedRollingFile() });
    const data = named(withFile, "kubernetes_config_map_v1", "orders-config").data["log4j-console.properties"];
    expect(data).toContain("appender.rolling.fileName = $${sys:log.file}\n");
    expect(unescapeTerraformTemplate(data)).toBe(cluster.log4jProperties);
  });

  test("container ports and Services match the rendered config", () => {
    expect(portsOf(container(jm))).toEqual({ rpc: 6123, blob: 6124, rest: 8081, "metrics-query": 6125, metrics: 9249 });
    expect(portsOf(container(tm))).toEqual({ rpc: 6122, data: 6121, "metrics-query": 6125, metrics: 9249 });
    expect(named(tf, "kubernetes_service_v1", "orders-jobmanager").spec.port.map((p: any) => [p.name, p.port])).toEqual([["rpc", 6123], ["blob", 6124]]);
    expect(named(tf, "kubernetes_service_v1", "orders-rest").spec.port.map((p: any) => [p.name, p.port])).toEqual([["rest", 8081]]);
  });

  test("memory limits and requests hold exactly Flink's process memory; CPU follows the slots", () => {
    expect(memory.taskManager.totalProcess).toBe(8 * 2 ** 30);
    expect(container(tm).resources).toEqual({ requests: { cpu: "4", memory: "8192Mi" }, limits: { cpu: "4", memory: "8192Mi" } });
    expect(container(jm).resources.limits).toEqual({ cpu: "1", memory: `${memory.jobManager.totalProcess / 2 ** 20}Mi` });
  });

  test("liveness and readiness probes on Flink's ports", () => {
    expect(container(jm).liveness_probe.tcp_socket).toEqual([{ port: "rpc" }]);
    // The example has REST TLS: the probe speaks https.
    expect(container(jm).readiness_probe.http_get).toEqual({ path: "/config", port: "rest", scheme: "HTTPS" });
    expect(container(tm).liveness_probe.tcp_socket).toEqual([{ port: "rpc" }]);
  });

  test("pods run as the non-root flink user with no privileges and a read-only root filesystem", () => {
    for (const workload of [jm, tm]) {
      const spec = workload.spec.template.spec;
      expect(spec.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "9999", fs_group: "9999", seccomp_profile: { type: "RuntimeDefault" } });
      expect(spec.automount_service_account_token).toBe(false);
      expect(container(workload).security_context).toEqual({ allow_privilege_escalation: false, capabilities: { drop: ["ALL"] }, read_only_root_filesystem: true, run_as_non_root: true, run_as_user: "9999" });
      const mounts = Object.fromEntries(container(workload).volume_mount.map((m: any) => [m.mount_path, m]));
      // With TLS Flink reads the config the init container wrote, in memory, read-only.
      expect(mounts["/run/flink"].read_only).toBe(true);
      expect(Object.keys(mounts)).toEqual(expect.arrayContaining(["/tmp", "/opt/flink/log"]));
    }
  });

  test("application mode starts the job from the image with Flink's standalone-job entry point", () => {
    expect(container(jm).command[2]).toMatch(/&& exec \/opt\/flink\/bin\/standalone-job\.sh start-foreground --job-classname 'com\.example\.orders\.OrdersJob' '--env' 'prod'$/);
    expect(jm.spec.strategy.type).toBe("Recreate");
    expect(container(jm).command[2]).toMatch(/^mkdir -p \/opt\/flink\/plugins\/flink-s3-fs-presto && cp .* && exec \/opt\/flink\/bin\/standalone-job\.sh/);
    expect(Object.keys(tf.output).some((k) => k.includes("submitJob"))).toBe(false);
  });

  test("local state and local recovery on a persistent volume per TaskManager (a StatefulSet with stable resource ids)", () => {
    expect(tm.spec.volume_claim_template[0].spec).toMatchObject({ access_modes: ["ReadWriteOnce"], storage_class_name: "gp3", resources: { requests: { storage: "50Gi" } } });
    expect(container(tm).volume_mount).toContainEqual({ mount_path: "/var/lib/flink", name: "local-state" });
    expect(named(tf, "kubernetes_service_v1", "orders-taskmanager").spec.cluster_ip).toBe("None");
    expect(container(tm).command[2]).toMatch(/&& exec \/opt\/flink\/bin\/taskmanager\.sh start-foreground -Dtaskmanager\.resource-id=\$POD_NAME$/);
    expect(container(tm).env).toContainEqual({ name: "POD_NAME", value_from: { field_ref: { field_path: "metadata.name" } } });
    expect(parse(read("config.yaml"))).toMatchObject({
      "process.taskmanager.working-dir": "/var/lib/flink/working-dir",
      "execution.checkpointing.local-backup.enabled": true,
      "execution.state-recovery.from-local": true,
      "state.backend.rocksdb.localdir": "/var/lib/flink/rocksdb",
    });
  });

  test("the NetworkPolicies allow exactly Flink's flows, REST from the ingress controller and metrics from monitoring", () => {
    const rules = (name: string) =>
      named(tf, "kubernetes_network_policy_v1", name).spec.ingress.map((r: any) => ({ from: r.from, ports: r.ports.map((p: any) => Number(p.port)) }));
    const pods = (component: string) => [{ pod_selector: { match_labels: { "app.kubernetes.io/component": component, "app.kubernetes.io/instance": "orders" } } }];
    const ns = (name: string) => [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": name } } }];
    expect(rules("orders-jobmanager")).toEqual([
      { from: pods("taskmanager"), ports: [6123, 6124] },
      { from: ns("ingress-nginx"), ports: [8081] },
      { from: ns("monitoring"), ports: [9249] },
    ]);
    expect(rules("orders-taskmanager")).toEqual([
      { from: pods("jobmanager"), ports: [6122, 6125] },
      { from: pods("taskmanager"), ports: [6121] },
      { from: ns("monitoring"), ports: [9249] },
    ]);
    expect(named(tf, "kubernetes_network_policy_v1", "orders-jobmanager").spec.policy_types).toEqual(["Ingress"]);
  });

  test("a checksum of the rendered files in each pod template rolls the pods when the config changes", () => {
    // The ConfigMap's files: the rendered ones and, with TLS, the setup script.
    const expected = createHash("sha256").update(`config.yaml\n${read("config.yaml")}\nflink-tls-setup.sh\n${TLS_SETUP_SCRIPT}\nlog4j-console.properties\n${read("log4j-console.properties")}`).digest("hex");
    expect(jm.spec.template.metadata.annotations["cdktf-flink/config-sha256"]).toBe(expected);
    expect(tm.spec.template.metadata.annotations["cdktf-flink/config-sha256"]).toBe(expected);
    const checksum = (parallelism: number) =>
      named(synthCluster({ parallelism }).tf, "kubernetes_deployment_v1", "orders-jobmanager").spec.template.metadata.annotations["cdktf-flink/config-sha256"];
    expect(checksum(4)).not.toBe(checksum(8));
  });

  test("an Ingress for the web UI, a PodDisruptionBudget for the TaskManagers", () => {
    const ingress = named(tf, "kubernetes_ingress_v1", "orders-web").spec;
    expect(ingress.rule[0]).toMatchObject({ host: "orders-flink.example.com" });
    expect(ingress.tls).toEqual([{ hosts: ["orders-flink.example.com"], secret_name: "orders-flink-tls" }]);
    expect(named(tf, "kubernetes_pod_disruption_budget_v1", "orders-taskmanager").spec.max_unavailable).toBe("1");
  });
});

describe("the eks example", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-eks-"));
  const app = new App({ outdir });
  eksExample(app);
  app.synth();
  const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
  const workload = read("eks-flink");

  test("the cluster stack holds only AWS resources (it plans offline); the workload is a separate stack", () => {
    expect(Object.keys(read("eks-cluster").terraform.required_providers)).toEqual(["aws"]);
    expect(Object.keys(workload.terraform.required_providers).sort()).toEqual(["aws", "kubernetes"]);
  });

  test("the kubernetes provider gets a fresh token from aws eks get-token on every run", () => {
    expect(workload.provider.kubernetes[0].exec[0]).toMatchObject({ api_version: "client.authentication.k8s.io/v1beta1", command: "aws" });
    expect(workload.provider.kubernetes[0].exec[0].args.slice(0, 3)).toEqual(["eks", "get-token", "--cluster-name"]);
  });

  test("IRSA: the ServiceAccount assumes a role that holds the storage grants for its own prefixes only", () => {
    const role = Object.entries(workload.resource.aws_iam_role as Record<string, any>)[0];
    const sa = all(workload, "kubernetes_service_account_v1")[0];
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(`\${aws_iam_role.${role[0]}.arn}`);
    // The issuer is a Terraform expression inside the JSON; stand in a value as Terraform would render one.
    const trust = JSON.parse(role[1].assume_role_policy.replace(/\$\{replace\([^)]*\)\}/g, "oidc.example")).Statement[0];
    expect(Object.keys(trust.Condition.StringEquals)).toEqual(["oidc.example:sub", "oidc.example:aud"]);
    expect(trust.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(Object.values(trust.Condition.StringEquals)).toEqual(["system:serviceaccount:flink:sessions", "sts.amazonaws.com"]);
    const statements = JSON.parse(all(workload, "aws_iam_role_policy")[0].policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(["FlinkStateObjects", "FlinkStateList", "FlinkStateBucketLocation", "FlinkStateKms"]);
    expect(statements[0].Resource).toMatch(/\/flink\/sessions\/\*$/);
    expect(statements[1].Condition.StringLike["s3:prefix"]).toEqual(["flink/sessions/", "flink/sessions/*"]);
  });
});

describe("session mode", () => {
  test("a TaskManager Deployment, the session entry point, and the submit line as an output", () => {
    const { tf } = synthCluster();
    expect(container(named(tf, "kubernetes_deployment_v1", "orders-jobmanager")).command[2]).toBe("exec /opt/flink/bin/jobmanager.sh start-foreground");
    expect(named(tf, "kubernetes_deployment_v1", "orders-taskmanager").spec.replicas).toBe("2");
    const submit = tf.output["orders-submit-job"].value;
    expect(submit).toBe("flink run -m orders-rest.flink.svc:8081 <job.jar>");
  });

  test("state storage enables the S3 plugin in a writable plugin folder; without an identity its grants warn", () => {
    const stack = new TerraformStack(Testing.app(), "k8s");
    const storage = FlinkStateStorage.fromBucketName(stack, "state", "orders-state");
    const cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, stateStorage: storage, target: FlinkTarget.kubernetes(TARGET) });
    const tf = JSON.parse(Testing.synth(stack));
    const tm = container(named(tf, "kubernetes_deployment_v1", "orders-taskmanager"));
    expect(tm.command[2]).toBe("mkdir -p /opt/flink/plugins/flink-s3-fs-presto && cp /opt/flink/opt/flink-s3-fs-presto-*.jar /opt/flink/plugins/flink-s3-fs-presto/ && exec /opt/flink/bin/taskmanager.sh start-foreground");
    expect(tm.volume_mount).toContainEqual({ mount_path: "/opt/flink/plugins/flink-s3-fs-presto", name: "plugin-flink-s3-fs-presto" });
    expect(cluster.node.metadata.map((m) => m.data)).toContainEqual(expect.stringMatching(/^\[flink:grants-without-identity\]/));
  });
});

test("an existing namespace is used by name, not created", () => {
  const { tf } = synthCluster({ target: { namespace: { name: "data-platform", create: false } } });
  expect(all(tf, "kubernetes_namespace_v1")).toEqual([]);
  expect(named(tf, "kubernetes_deployment_v1", "orders-jobmanager").metadata.namespace).toBe("data-platform");
  expect(named(tf, "kubernetes_config_map_v1", "orders-config").metadata.namespace).toBe("data-platform");
});

describe("bad input", () => {
  test.each<[string, Parameters<typeof synthCluster>[0], RegExp]>([
    ["a namespace Kubernetes would reject", { target: { namespace: { name: "Flink_Apps" } } }, /target\.namespace\.name must be a DNS-1123 label/],
    ["an image reference Kubernetes would reject", { target: { image: "Flink 2.2" } }, /target\.image must be a container image reference/],
    ["application mode without a job", { target: { mode: KubernetesMode.application({ entryClass: "" }) } }, /target\.mode application mode needs a job/],
    ["a memory limit below Flink's process size", { target: { taskManagers: { replicas: 2, resources: { memory: "2Gi" } } } }, /target\.taskManagers\.resources\.memory is 2 gb, below Flink's process size 4 gb \(taskManager\.memory\)/],
    ["a CPU request above its limit", { target: { jobManager: { resources: { cpuRequest: "2", cpuLimit: "500m" } } } }, /target\.jobManager\.resources\.cpuRequest is above cpuLimit 500m/],
    ["a RocksDB directory off the persistent volume", { stateBackend: StateBackend.rocksdb({ localDir: "/data/rocksdb" }), target: { taskManagers: { replicas: 1, localStateVolume: { size: "10Gi" } } } }, /stateBackend\.rocksdb\.localDir is not on the TaskManagers' persistent volume, which is mounted at \/var\/lib\/flink/],
    ["an Ingress nobody may pass", { target: { ingress: { host: "flink.example.com" } } }, /target\.ingress cannot reach the REST API: the NetworkPolicy admits no one to it/],
    ["a token memory size without a container limit", { taskManager: { memory: { process: "${TfToken[TOKEN.1]}" } } }, /target\.taskManagers\.resources\.memory must be set when Flink's memory size is a token/],
    ["a toleration with operator Exists and a value", { target: { taskManagers: { replicas: 1, scheduling: { tolerations: [{ key: "flink", operator: "Exists", value: "yes" }] } } } }, /tolerations\[0\]\.value must be empty when operator is Exists/],
    ["a restore path that is not a URI", { restore: { path: "savepoint-1" }, target: { mode: KubernetesMode.application({ entryClass: "com.example.Job" }) } }, /restore\.path must be/],
    ["a malformed CIDR", { target: { metricsAccess: { cidrs: ["10.0.0.0/40"] } } }, /target\.metricsAccess\.cidrs\[0\] must be an IPv4 CIDR block/],
    ["an official image of another Flink version", { target: { image: "flink:1.20.1-java17" } }, /target\.image has tag 1\.20\.1-java17, which is not Flink 2\.2/],
    ["a port range Kubernetes cannot expose", { jobManager: { blobServerPort: "6124-6130" } }, /jobManager\.blobServerPort must be a single port on Kubernetes/],
    ["colliding ports", { jobManager: { restPort: 6124 } }, /jobManager\.blobServerPort collides with jobManager\.restPort/],
    ["a negative TaskManager count", { target: { taskManagers: { replicas: -1 } } }, /target\.taskManagers\.replicas must be a whole number >= 0/],
  ])("%s", (_name, props, message) => {
    expect(() => synthCluster(props)).toThrow(message);
  });

  test("a session cluster parked at zero TaskManagers is a warning, as on EC2", () => {
    const { cluster } = synthCluster({ target: { taskManagers: { replicas: 0 } } });
    expect(cluster.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data)).toContainEqual(expect.stringMatching(/^\[flink:no-taskmanagers\] target\.taskManagers\.replicas is 0: the cluster is parked/));
  });

  test("a volume without a RocksDB directory is accepted, and a job image's own numeric tag is not a Flink version", () => {
    expect(() => synthCluster({ target: { image: "registry.example.com:5000/team/orders:1.4.0", taskManagers: { replicas: 1, localStateVolume: { size: "10Gi" } } } })).not.toThrow();
  });

  test("application mode without HA and an unpinned image are warnings", () => {
    const { cluster } = synthCluster({ target: { mode: KubernetesMode.application({ entryClass: "com.example.Job" }) } });
    expect(cluster.node.metadata.map((m) => m.data)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[flink:application-without-ha\]/), expect.stringMatching(/^\[flink:image-not-pinned\] target\.image flink:2\.2\.0-java17/)]));
  });
});
