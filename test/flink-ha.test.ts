import * as fs from "fs";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { parse } from "yaml";
import { ec2ExistingQuorumExample, ec2HaExample } from "../examples/ec2-ha/main";
import { kubernetesHaExample } from "../examples/kubernetes-ha/main";
import {
  FlinkCluster,
  FlinkClusterProps,
  FlinkHA,
  FlinkHAProps,
  FlinkRuntime,
  FlinkStateStorage,
  FlinkTarget,
  FlinkVersion,
  ZooKeeperEnsemble,
  ZooKeeperEnsembleProps,
  ZooKeeperPlacement,
} from "../lib";
import { Ec2TargetProps } from "../lib/targets/ec2/ec2-target";
import { KubernetesTargetProps } from "../lib/targets/kubernetes/kubernetes-target";
import { unescapeTerraformTemplate } from "../lib/private/terraform-text";
import { EC2_TARGET } from "./fixtures/ec2-target";
import { asUnderCdktfCli } from "./helpers/cdktf-cli";
import { resourcesOf as all, synthStack } from "./helpers/synth";

const groupKey = (ref: string) => /aws_security_group\.([^.]+)\.id/.exec(ref)?.[1];
const named = (tf: any, type: string, name: string) => all(tf, type).find((r) => r.metadata.name === name)!;
const warnings = (c: Construct) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
const configOf = (flinkDir: string, cluster: string) => parse(fs.readFileSync(path.join(flinkDir, cluster, "config.yaml"), "utf8"));

const EC2_PLACEMENT = ZooKeeperPlacement.ec2({
  vpcId: "vpc-0123456789abcdef0",
  subnets: ["a", "b", "c"].map((zone, i) => ({ subnetId: `subnet-0123456789abcdef${i}`, availabilityZone: `eu-west-1${zone}` })),
  amiId: "ami-0123456789abcdef0",
  release: "3.8.4",
  sha512: "b".repeat(128),
});
const K8S_TARGET: KubernetesTargetProps = { namespace: { name: "flink" }, image: "flink:2.2.0-java17", taskManagers: { replicas: 2 } };

function ec2Stack(app: App = Testing.app(), id = "prod") {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function ec2Cluster(stack: TerraformStack, ha: FlinkHA | undefined, props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<Ec2TargetProps> } = {}) {
  const { target, ...rest } = props;
  return new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_2,
    stateStorage: new FlinkStateStorage(stack, `state-${rest.clusterName ?? "orders"}`, {}),
    ha,
    ...rest,
    target: FlinkTarget.ec2({ ...EC2_TARGET, ...target }),
  });
}

const zookeeperHa = (stack: TerraformStack, ensemble?: Partial<ZooKeeperEnsembleProps>) =>
  new FlinkHA(stack, "ha", { zookeeper: { ensemble: new ZooKeeperEnsemble(stack, "zk", { placement: EC2_PLACEMENT, ...ensemble }) } });

describe("the ec2-ha example", () => {
  const { tf, flinkDir } = synthStack(ec2HaExample);
  const groups = Object.keys(tf.resource.aws_security_group);
  const group = (name: string) => groups.find((k) => k.includes(name))!;
  const [jm, tm, zk, lb] = ["JobManagerSecurityGroup", "TaskManagerSecurityGroup", "zookeeper_Ec2_SecurityGroup", "Rest_SecurityGroup"].map(group);
  const rules = (type: string) =>
    all(tf, type).map((r) => ({ group: groupKey(r.security_group_id), peer: r.referenced_security_group_id ? groupKey(r.referenced_security_group_id) : r.cidr_ipv4, ports: [r.from_port, r.to_port] }));

  test("Flink's HA keys: ZooKeeper quorum of the ensemble, cluster id, storage on the state bucket's /ha, a fixed HA port", () => {
    const config = configOf(flinkDir, "orders");
    expect(config["high-availability.type"]).toBe("zookeeper");
    expect(config["high-availability.zookeeper.quorum"]).toBe([1, 2, 3].map((n) => `zk-${n}.zookeeper.zookeeper.internal:2181`).join(","));
    expect(config["high-availability.cluster-id"]).toBe("/orders");
    expect(config["high-availability.storageDir"]).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.[^}]+\.bucket\}\/flink\/orders\/ha$/);
    expect(config["high-availability.jobmanager.port"]).toBe(String(config["jobmanager.rpc.port"]));
    // Several JobManagers announce their own address; none is written for all.
    expect(config["jobmanager.rpc.address"]).toBeUndefined();
  });

  test("the ZooKeeper client port is open to the cluster's two groups only; peer and election among the servers only", () => {
    const ingress = rules("aws_vpc_security_group_ingress_rule").filter((r) => r.group === zk);
    expect(ingress).toEqual(
      expect.arrayContaining([
        { group: zk, peer: zk, ports: [2888, 2888] },
        { group: zk, peer: zk, ports: [3888, 3888] },
        { group: zk, peer: jm, ports: [2181, 2181] },
        { group: zk, peer: tm, ports: [2181, 2181] },
      ]),
    );
    expect(ingress).toHaveLength(4);
    const egress = rules("aws_vpc_security_group_egress_rule");
    expect(egress).toEqual(expect.arrayContaining([{ group: jm, peer: zk, ports: [2181, 2181] }, { group: tm, peer: zk, ports: [2181, 2181] }]));
  });

  test("JobManagers talk to each other on RPC and blob ports; REST reaches them through the load balancer only", () => {
    const ingress = rules("aws_vpc_security_group_ingress_rule");
    expect(ingress).toEqual(expect.arrayContaining([{ group: jm, peer: jm, ports: [6123, 6123] }, { group: jm, peer: jm, ports: [6124, 6124] }, { group: jm, peer: jm, ports: [6125, 6125] }, { group: jm, peer: lb, ports: [8081, 8081] }]));
    expect(ingress.filter((r) => r.group === jm && r.ports[0] === 8081)).toEqual([{ group: jm, peer: lb, ports: [8081, 8081] }]);
    expect(ingress.filter((r) => r.group === lb)).toEqual([{ group: lb, peer: "10.40.0.0/16", ports: [8081, 8081] }]);
  });

  test("two JobManagers in an Auto Scaling group behind an internal NLB with a REST health check, named rest.<zone>", () => {
    const [balancer] = all(tf, "aws_lb");
    expect(balancer).toMatchObject({ internal: true, load_balancer_type: "network" });
    expect(all(tf, "aws_lb_target_group")[0]).toMatchObject({ port: 8081, protocol: "TCP", health_check: { protocol: "HTTP", path: "/config" } });
    const groupsOfAsg = all(tf, "aws_autoscaling_group");
    const jobManagers = groupsOfAsg.find((g) => g.name_prefix === "orders-jobmanagers-")!;
    // EC2 health heals: the REST check answers 503 during a leader election, which must not terminate a JobManager.
    expect(jobManagers).toMatchObject({ min_size: 2, max_size: 2, desired_capacity: 2, health_check_type: "EC2" });
    expect(jobManagers.target_group_arns).toHaveLength(1);
    expect(all(tf, "aws_instance").filter((i) => i.tags?.Name?.startsWith("orders-"))).toEqual([]);
    const record = all(tf, "aws_route53_record").find((r) => r.name === "rest.orders.flink.internal")!;
    expect(record.alias).toMatchObject({ evaluate_target_health: true });
    expect(tf.output["orders-rest-url"].value).toBe("http://rest.orders.flink.internal:8081");
    expect(tf.output["orders-ha-cluster-id"].value).toBe("/orders");
  });

  test("each JobManager announces its own address from the instance metadata, with jobmanager.sh's two-argument -D", () => {
    const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes("jobmanager_user_data"))![1];
    const cloudConfig = parse(unescapeTerraformTemplate(local));
    const unit = cloudConfig.write_files.find((f: any) => f.path.endsWith("flink-jobmanager.service")).content;
    expect(unit).toContain("EnvironmentFile=/etc/flink/node.env");
    expect(unit).toMatch(/ExecStart=\/opt\/flink\/bin\/jobmanager\.sh start-foreground -D jobmanager\.rpc\.address=\$\{FLINK_NODE_ADDRESS\} -D rest\.address=\$\{FLINK_NODE_ADDRESS\}$/m);
    const install = cloudConfig.write_files.find((f: any) => f.path.endsWith("flink-install.sh")).content;
    expect(install).toContain("http://169.254.169.254/latest/api/token");
    expect(install).toContain("/latest/meta-data/local-ipv4");
    // An empty answer stops the install instead of starting a JobManager without an address.
    expect(install).toContain('[ -n "$address" ] || {');
  });

  test("ZooKeeper servers: stable names, encrypted data volumes that outlive the instance, IMDSv2, zoo.cfg and myid byte-equal to the files beside the Terraform", () => {
    const zooCfg = fs.readFileSync(path.join(flinkDir, "zookeeper", "zookeeper", "zoo.cfg"), "utf8");
    const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
    expect(manifest.zookeeperEnsembles).toEqual([
      { name: "zookeeper", placement: "ec2", servers: 3, files: { "myid-1": "zookeeper/zookeeper/myid-1", "myid-2": "zookeeper/zookeeper/myid-2", "myid-3": "zookeeper/zookeeper/myid-3", "zoo.cfg": "zookeeper/zookeeper/zoo.cfg" } },
    ]);
    for (const server of [1, 2, 3]) {
      const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes(`server_${server}_user_data`))![1];
      const files = Object.fromEntries(parse(unescapeTerraformTemplate(local)).write_files.map((f: any) => [f.path, f.content]));
      expect(files["/etc/zookeeper/zoo.cfg"]).toBe(zooCfg);
      expect(files["/etc/zookeeper/myid"]).toBe(fs.readFileSync(path.join(flinkDir, "zookeeper", "zookeeper", `myid-${server}`), "utf8"));
      expect(files["/etc/zookeeper/myid"]).toBe(`${server}\n`);
    }
    expect(zooCfg).toMatch(/^autopurge\.purgeInterval=24$/m);
    expect(zooCfg).toMatch(/^admin\.enableServer=false$/m);
    const instances = all(tf, "aws_instance");
    expect(instances).toHaveLength(3);
    for (const instance of instances) {
      expect(instance.metadata_options).toMatchObject({ http_tokens: "required" });
      expect(instance.root_block_device).toMatchObject({ encrypted: true });
      expect(instance.lifecycle.ignore_changes).toEqual(["user_data_base64", "ami"]);
    }
    const volumes = all(tf, "aws_ebs_volume");
    expect(volumes.map((v) => [v.availability_zone, v.encrypted, v.type])).toEqual([["eu-west-1a", true, "gp3"], ["eu-west-1b", true, "gp3"], ["eu-west-1c", true, "gp3"]]);
    expect(all(tf, "aws_route53_record").filter((r) => r.name.startsWith("zk-")).map((r) => r.name)).toEqual([1, 2, 3].map((n) => `zk-${n}.zookeeper.zookeeper.internal`));
  });
});

describe("the ec2-existing-quorum example", () => {
  const { tf, flinkDir } = synthStack(ec2ExistingQuorumExample);
  test("one JobManager with HA on an existing quorum under its own path root; the cluster opens the client port to the quorum's group", () => {
    const config = configOf(flinkDir, "reports");
    expect(config).toMatchObject({
      "high-availability.type": "zookeeper",
      "high-availability.zookeeper.path.root": "/flink/reporting",
      "high-availability.zookeeper.client.session-timeout": "30 s",
      "jobmanager.rpc.address": "jobmanager.reports.flink.internal",
    });
    const toQuorum = all(tf, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === "${var.zookeeper_security_group_id}");
    expect(toQuorum.map((r) => [r.from_port, groupKey(r.referenced_security_group_id)!.includes("JobManager") ? "jm" : "tm"]).sort()).toEqual([[2181, "jm"], [2181, "tm"]]);
  });
});

describe("the kubernetes-ha example", () => {
  const { tf, flinkDir } = synthStack(kubernetesHaExample);
  const payments = named(tf, "kubernetes_deployment_v1", "payments-jobmanager");
  const paymentsTm = named(tf, "kubernetes_deployment_v1", "payments-taskmanager");
  const audit = named(tf, "kubernetes_deployment_v1", "audit-jobmanager");

  test("Kubernetes HA keys: cluster id, the target's namespace (Flink's default is 'default'), storage", () => {
    expect(configOf(flinkDir, "payments")).toMatchObject({
      "high-availability.type": "kubernetes",
      "kubernetes.cluster-id": "payments",
      "kubernetes.namespace": "flink-payments",
      "high-availability.storageDir": "s3://analytics-flink-state/ha/payments",
    });
    // Flink reads high-availability.jobmanager.port only in ZooKeeper mode; the audit cluster (ZooKeeper) has it.
    expect(configOf(flinkDir, "payments")["high-availability.jobmanager.port"]).toBeUndefined();
    expect(configOf(flinkDir, "audit")["high-availability.jobmanager.port"]).toBe("6123");
  });

  test("a Role on ConfigMaps (Flink's leader election and job store) bound to the service account both roles use", () => {
    const role = named(tf, "kubernetes_role_v1", "payments-ha");
    expect(role.rule).toEqual([{ api_groups: [""], resources: ["configmaps"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }]);
    const binding = named(tf, "kubernetes_role_binding_v1", "payments-ha");
    expect(binding.subject).toHaveLength(1);
    expect(binding.subject[0]).toMatchObject({ kind: "ServiceAccount", name: payments.spec.template.spec.service_account_name });
    expect(binding.subject[0].namespace).toMatch(/^\$\{kubernetes_namespace_v1\.payments_Kubernetes_Namespace_[0-9A-F]+\.metadata\[0\]\.name\}$/);
    expect(binding.role_ref).toMatchObject({ api_group: "rbac.authorization.k8s.io", kind: "Role" });
    expect(binding.role_ref.name).toMatch(/^\$\{kubernetes_role_v1\.payments_Kubernetes_HaRole_[0-9A-F]+\.metadata\[0\]\.name\}$/);
    expect(paymentsTm.spec.template.spec.service_account_name).toBe(payments.spec.template.spec.service_account_name);
    // The API token only where Kubernetes HA needs it: both Flink roles of payments, neither of audit (ZooKeeper HA).
    expect(payments.spec.template.spec.automount_service_account_token).toBe(true);
    expect(paymentsTm.spec.template.spec.automount_service_account_token).toBe(true);
    expect(audit.spec.template.spec.automount_service_account_token).toBe(false);
    expect(all(tf, "kubernetes_role_v1").map((r) => r.metadata.name)).toEqual(["payments-ha"]);
  });

  test("two JobManagers, each bound to its pod IP, rolling with a standby first, a disruption budget and required anti-affinity", () => {
    expect(payments.spec.replicas).toBe("2");
    expect(payments.spec.strategy).toEqual({ type: "RollingUpdate", rolling_update: { max_surge: "1", max_unavailable: "0" } });
    const container = payments.spec.template.spec.container[0];
    expect(container.command[2]).toMatch(/exec \/opt\/flink\/bin\/jobmanager\.sh start-foreground -D jobmanager\.rpc\.address=\$POD_IP -D rest\.address=\$POD_IP$/);
    expect(container.env).toContainEqual({ name: "POD_IP", value_from: { field_ref: { field_path: "status.podIP" } } });
    expect(named(tf, "kubernetes_pod_disruption_budget_v1", "payments-jobmanager").spec.max_unavailable).toBe("1");
    expect(payments.spec.template.spec.affinity.pod_anti_affinity.required_during_scheduling_ignored_during_execution).toHaveLength(1);
    // Unless told otherwise, several JobManagers prefer different nodes.
    expect(audit.spec.template.spec.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution).toHaveLength(1);
    const policy = all(tf, "kubernetes_network_policy_v1").find((p) => p.metadata.name === "payments-jobmanager")!;
    const rpc = policy.spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === "6123"));
    expect(rpc.from.map((f: any) => f.pod_selector.match_labels["app.kubernetes.io/component"]).sort()).toEqual(["jobmanager", "taskmanager"]);
    const metricQuery = policy.spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === "6125"));
    expect(metricQuery.from.map((f: any) => f.pod_selector.match_labels["app.kubernetes.io/component"])).toEqual(["jobmanager"]);
  });

  test("the ZooKeeper StatefulSet: locked-down pods, one per node, volumes, a budget, peers only among servers; the cluster admits its own pods to the client port", () => {
    const servers = named(tf, "kubernetes_stateful_set_v1", "zookeeper");
    const spec = servers.spec.template.spec;
    expect(servers.spec.replicas).toBe("3");
    expect(spec.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "1000" });
    expect(spec.container[0].security_context).toMatchObject({ read_only_root_filesystem: true, allow_privilege_escalation: false, capabilities: { drop: ["ALL"] } });
    expect(spec.automount_service_account_token).toBe(false);
    expect(spec.affinity.pod_anti_affinity.required_during_scheduling_ignored_during_execution[0].topology_key).toBe("kubernetes.io/hostname");
    expect(servers.spec.volume_claim_template[0].spec.resources.requests.storage).toBe("10Gi");
    expect(named(tf, "kubernetes_service_v1", "zookeeper-headless").spec).toMatchObject({ cluster_ip: "None", publish_not_ready_addresses: true });
    expect(named(tf, "kubernetes_pod_disruption_budget_v1", "zookeeper").spec.max_unavailable).toBe("1");
    // Ready only in the quorum, so a roll or a drain waits for each server to rejoin; a changed zoo.cfg rolls them.
    expect(spec.container[0].readiness_probe.exec.command[2]).toBe("exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep -qE '^Mode: (leader|follower)' <&3");
    expect(servers.spec.template.metadata.annotations["cdktf-flink/zoo-cfg-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    const config = named(tf, "kubernetes_config_map_v1", "zookeeper-config").data;
    expect(config["zoo.cfg"]).toBe(fs.readFileSync(path.join(flinkDir, "zookeeper", "zookeeper", "zoo.cfg"), "utf8"));
    expect(config["zoo.cfg"]).toMatch(/^server\.1=zookeeper-0\.zookeeper-headless\.zookeeper\.svc\.cluster\.local:2888:3888$/m);
    expect(config["zoo.cfg"]).toMatch(/^quorumListenOnAllIPs=true$/m);
    expect(config["myid-2"]).toBe("2\n");
    const quorum = named(tf, "kubernetes_network_policy_v1", "zookeeper-quorum");
    expect(quorum.spec.ingress).toEqual([{ from: [{ pod_selector: { match_labels: { "app.kubernetes.io/instance": "zookeeper", "app.kubernetes.io/name": "zookeeper" } } }], ports: [{ port: "2888", protocol: "TCP" }, { port: "3888", protocol: "TCP" }] }]);
    const access = all(tf, "kubernetes_network_policy_v1").find((p) => p.metadata.name === "flink-audit-flink-audit")!;
    expect(access.metadata.namespace).toMatch(/zookeeper/);
    expect(access.spec.ingress[0]).toEqual({
      from: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "flink-audit" } }, pod_selector: { match_labels: { "app.kubernetes.io/instance": "audit" } } }],
      ports: [{ port: "2181", protocol: "TCP" }],
    });
  });
});

describe("FlinkHA rules", () => {
  test("more than one JobManager without HA is an error on both targets", () => {
    expect(() => ec2Cluster(ec2Stack(), undefined, { target: { jobManager: { instanceType: "m6i.large", count: 2 } } })).toThrow(
      /target\.jobManager\.count is more than one JobManager without high availability.*Fix: set the cluster's ha/,
    );
    const stack = new TerraformStack(Testing.app(), "k8s");
    new KubernetesProvider(stack, "k", {});
    expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, target: FlinkTarget.kubernetes({ ...K8S_TARGET, jobManager: { replicas: 3 } }) })).toThrow(/target\.jobManager\.replicas is more than one JobManager without high availability/);
  });

  test("HA without durable shared storage is an error", () => {
    const stack = ec2Stack();
    const ha = zookeeperHa(stack);
    expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, ha, target: FlinkTarget.ec2(EC2_TARGET) })).toThrow(/FlinkHA "prod\/ha" bound to cluster "orders":\n  ha needs a durable directory every JobManager shares.*Fix: give the cluster a stateStorage/);
    expect(() => new FlinkHA(stack, "ha2", { kubernetes: {}, storageDir: "file:///var/lib/flink/ha" })).toThrow(/storageDir is not durable storage every JobManager shares/);
  });

  test("two clusters with one cluster id on one quorum are an error, across stacks of the app", () => {
    const app = Testing.app();
    const first = ec2Stack(app, "one");
    const ensemble = new ZooKeeperEnsemble(first, "zk", { placement: EC2_PLACEMENT });
    ec2Cluster(first, new FlinkHA(first, "ha", { zookeeper: { ensemble } }));
    const second = ec2Stack(app, "two");
    expect(() => ec2Cluster(second, new FlinkHA(second, "ha", { zookeeper: { ensemble } }))).toThrow(/clusterName gives cluster id \/orders, which one\/ha \(cluster orders\) already uses on ZooKeeper ensemble one\/zk, path \/flink/);
    // Another path root is another namespace on the quorum.
    const third = ec2Stack(app, "three");
    expect(() => ec2Cluster(third, new FlinkHA(third, "ha", { zookeeper: { ensemble, pathRoot: "/flink-three" } }))).not.toThrow();
  });

  test("even or small ensembles are warnings", () => {
    for (const [servers, pattern] of [[2, /servers is 2: an ensemble under 3 servers stops with any server/], [4, /servers is 4: an even size tolerates no more failures than 3 servers/]] as const) {
      const ensemble = new ZooKeeperEnsemble(ec2Stack(), "zk", { placement: EC2_PLACEMENT, servers });
      expect(warnings(ensemble)).toContainEqual(expect.stringMatching(pattern));
    }
    expect(warnings(new ZooKeeperEnsemble(ec2Stack(), "zk", { placement: EC2_PLACEMENT }))).toEqual([]);
    expect(() => new ZooKeeperEnsemble(ec2Stack(), "zk", { placement: EC2_PLACEMENT, servers: 9 })).toThrow(/servers must be a whole number from 1 to 7/);
  });

  test("HA on a target that cannot open the quorum's ports is an error", () => {
    const k8s = new TerraformStack(Testing.app(), "k8s");
    new KubernetesProvider(k8s, "k", {});
    const ha = new FlinkHA(k8s, "ha", { zookeeper: { ensemble: new ZooKeeperEnsemble(k8s, "zk", { placement: EC2_PLACEMENT }) }, storageDir: "s3://bucket/ha" });
    expect(() => new FlinkCluster(k8s, "orders", { version: FlinkVersion.V2_2, ha, target: FlinkTarget.kubernetes(K8S_TARGET) })).toThrow(/ha is a ZooKeeper ensemble on ec2, which cannot open its client port to a cluster on kubernetes \(got "k8s\/zk"\)/);
    const stack = ec2Stack();
    const existing = new FlinkHA(stack, "ha", { zookeeper: { quorum: { connectString: "zk1:2181,zk2:2181" } } });
    expect(() => ec2Cluster(stack, existing)).toThrow(/ha is a quorum the EC2 target cannot open.*\(got "zk1:2181,zk2:2181"\)\. Fix: give zookeeper\.quorum\.securityGroupId/);
    const other = ec2Stack();
    const kubernetesHa = new FlinkHA(other, "k8s-ha", { kubernetes: {} });
    expect(() => ec2Cluster(other, kubernetesHa)).toThrow(/is Kubernetes HA, which needs the Kubernetes API \(got a cluster on ec2\)/);
  });

  test("bad FlinkHA input fails with the property and the fix", () => {
    const stack = ec2Stack();
    const cases: Array<[FlinkHAProps, RegExp]> = [
      [{}, /must set exactly one of zookeeper and kubernetes/],
      [{ zookeeper: {} }, /zookeeper must set exactly one of ensemble and quorum/],
      [{ zookeeper: { quorum: { connectString: "zk1:2181/flink" } } }, /connectString must be host:port pairs separated by commas, without a chroot path/],
      [{ zookeeper: { quorum: { connectString: "zk1:2181" }, pathRoot: "flink/" } }, /pathRoot must be an absolute znode path/],
      [{ zookeeper: { quorum: { connectString: "zk1:2181" }, acl: "creator" } }, /acl needs SASL/],
      [{ zookeeper: { ensemble: new ZooKeeperEnsemble(stack, "zk", { placement: EC2_PLACEMENT }), sessionTimeout: "1 min" } }, /sessionTimeout is outside what the ensemble's servers grant \(2 to 20 ticks of 2000 ms: 4 s to 40 s\)/],
      [{ kubernetes: { leaseDuration: "soon" } }, /kubernetes\.leaseDuration must be a positive duration/],
    ];
    cases.forEach(([props, message], i) => expect(() => new FlinkHA(stack, `ha${i}`, props)).toThrow(message));
  });

  test("rawConfig cannot switch HA on; it can tune an enabled HA; the HA port belongs to jobManager.rpcPort", () => {
    expect(() => ec2Cluster(ec2Stack(), undefined, { rawConfig: { "high-availability.type": "zookeeper" } })).toThrow(/rawConfig\["high-availability.type"\] switches on a feature that rawConfig cannot wire .*Fix: use the cluster's ha property/);
    expect(() => ec2Cluster(ec2Stack(), undefined, { rawConfig: { "high-availability": "zookeeper" } })).toThrow(/switches on a feature/);
    const stack = ec2Stack();
    const tuned = ec2Cluster(stack, zookeeperHa(stack), { rawConfig: { "high-availability.zookeeper.client.max-retry-attempts": 5 } });
    expect(tuned.configuration.entries.get("high-availability.zookeeper.client.max-retry-attempts")).toBe(5);
    const other = ec2Stack();
    expect(() => ec2Cluster(other, zookeeperHa(other), { rawConfig: { "high-availability.jobmanager.port": "50010" } })).toThrow(/sets high-availability\.jobmanager\.port, which jobManager\.rpcPort already sets/);
  });

  test("a storageDir outside the cluster's stateStorage is a warning: no grant covers it", () => {
    const stack = ec2Stack();
    const ha = new FlinkHA(stack, "ha", { zookeeper: { quorum: { connectString: "zk1:2181", cidrs: ["10.1.0.0/24"] } }, storageDir: "s3://other-bucket/ha" });
    ec2Cluster(stack, ha);
    expect(warnings(ha)).toEqual([expect.stringMatching(/^\[flink:ha-storage-not-granted\] storageDir s3:\/\/other-bucket\/ha\/orders \(cluster orders\) is not in the cluster's stateStorage folder/)]);
  });

  test("the job store path is written under each version's own key", () => {
    for (const [version, key] of [[FlinkVersion.V1_20, "high-availability.zookeeper.path.jobgraphs"], [FlinkVersion.V2_0, "high-availability.zookeeper.path.execution-plans"], [FlinkVersion.V2_3, "high-availability.zookeeper.path.execution-plans"]] as const) {
      const stack = ec2Stack();
      const ha = new FlinkHA(stack, "ha", { zookeeper: { quorum: { connectString: "zk1:2181", cidrs: ["10.1.0.0/24"] }, executionPlansPath: "/plans" } });
      const release = { "1.20": "1.20.1", "2.0": "2.0.0", "2.3": "2.3.0" }[version.line!]!;
      const c = ec2Cluster(stack, ha, { version, target: { runtime: FlinkRuntime.tarball({ release, sha512: "a".repeat(128) }) } });
      expect(c.configuration.entries.get(key)).toBe("/plans");
    }
  });
});

describe("under the cdktf CLI", () => {
  test("a refused ensemble is one error annotation; the HA and the cluster that use it add none of their own", () => {
    asUnderCdktfCli(() => {
      const stack = ec2Stack();
      const ensemble = new ZooKeeperEnsemble(stack, "zk", { placement: EC2_PLACEMENT, servers: 9 });
      const ha = new FlinkHA(stack, "ha", { zookeeper: { ensemble } });
      const cluster = ec2Cluster(stack, ha);
      const errors = (c: Construct) => c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => m.data as string);
      expect(errors(ensemble)).toEqual([expect.stringMatching(/^ZooKeeperEnsemble "prod\/zk":\n  servers must be a whole number from 1 to 7/)]);
      expect([...errors(ha), ...errors(cluster)]).toEqual([]);
      expect(() => ensemble.connectString).toThrow(/servers must be a whole number from 1 to 7/);
      expect(() => cluster.configYaml).toThrow(/servers must be a whole number from 1 to 7/);
    });
  });
});
