import * as fs from "fs";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { emrApplicationExample, emrSessionExample } from "../examples/emr-yarn/main";
import { EmrMode, FlinkCluster, FlinkClusterProps, FlinkMonitoring, FlinkTarget, FlinkTls, FlinkVersion, TlsSecret } from "../lib";
import { EmrTargetProps } from "../lib/targets/emr/emr-target";
import { emrCommandLines } from "../lib/targets/emr/emr-steps";
import { legacyConfValue } from "../lib/targets/emr/classifications";
import { describeWithRealFlink, flinkLayout, probeCli, probeReport, writeConfigDirs } from "./helpers/real-flink";
import { resourcesOf, synthStack } from "./helpers/synth";

const TARGET: EmrTargetProps = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0"],
  instanceGroups: { primary: { instanceType: "m5.xlarge" }, core: { instanceType: "m5.2xlarge", count: 2 } },
  logUri: "s3://acme-logs/emr/",
  inTransitCertificates: "s3://acme-config/certs/flink.zip",
};

function cluster(props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<EmrTargetProps> } = {}) {
  const stack = new TerraformStack(Testing.app(), "prod");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const { target, ...rest } = props;
  const c = new FlinkCluster(stack, "orders", { version: FlinkVersion.V1_20, taskManager: { slots: 4, memory: { process: "8g" } }, ...rest, target: FlinkTarget.emr({ ...TARGET, ...target }) });
  return { stack, cluster: c, tf: JSON.parse(Testing.synth(stack)) };
}
const warnings = (c: FlinkCluster) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
const emrCluster = (tf: any) => {
  const list = resourcesOf(tf, "aws_emr_cluster");
  expect(list).toHaveLength(1);
  return list[0];
};
const classifications = (tf: any) => JSON.parse(emrCluster(tf).configurations_json) as Array<{ Classification: string; Properties: Record<string, string> }>;
const policyOf = (tf: any, name: string) => JSON.parse(resourcesOf(tf, "aws_iam_role_policy").find((p) => p.name === name)!.policy);

describe("the EMR release", () => {
  test("is the newest EMR release that ships the cluster's Flink", () => {
    expect(emrCluster(cluster().tf).release_label).toBe("emr-7.13.0");
    expect(emrCluster(cluster({ target: { releaseLabel: "emr-7.6.0" } }).tf).release_label).toBe("emr-7.6.0");
  });

  test("a Flink version no EMR release ships is an error naming the nearest", () => {
    expect(() => cluster({ version: FlinkVersion.V2_2 })).toThrow(/version is not shipped by any EMR release \(EMR ships Flink 1.20.0, and no 2.x\) \(got "2.2"\). Fix: use FlinkVersion.of\("1.20"\) with emr-7.13.0, or run Flink 2.2 with FlinkTarget.ec2/);
  });

  test("a release of another Flink, or an unknown release, is an error", () => {
    expect(() => cluster({ version: FlinkVersion.V2_2, target: { releaseLabel: "emr-7.13.0" } })).toThrow(/target.releaseLabel ships Flink 1.20.0-amzn-7, not the cluster's Flink 2.2 \(got "emr-7.13.0"\). Fix: set the cluster's version to FlinkVersion.of\("1.20.0"\)/);
    expect(() => cluster({ target: { releaseLabel: "emr-7.5.0" } })).toThrow(/target.releaseLabel is not an EMR release in cdktf-flink's table \(the releases that ship a Flink it supports; emr-7.5.0 and older ship Flink 1.19 and older\)/);
    expect(() => cluster({ target: { releaseLabel: "emr-9.9.9" } })).toThrow(/target.releaseLabel is not an EMR release in cdktf-flink's table .* \(got "emr-9.9.9"\). Fix: use one of emr-7.13.0, .*, emr-7.6.0, or leave it unset/);
  });
});

describe("keys YARN owns", () => {
  test("addresses and ports are left to YARN: none is rendered", () => {
    const { cluster: c } = cluster();
    for (const key of ["jobmanager.rpc.address", "jobmanager.rpc.port", "rest.address", "rest.port", "blob.server.port", "taskmanager.rpc.port", "taskmanager.data.port", "metrics.internal.query-service.port"]) {
      expect(c.configuration.entries.has(key)).toBe(false);
    }
    expect(c.configuration.entries.get("yarn.application.name")).toBe("orders");
  });

  test("setting one is an error naming YARN, typed or raw", () => {
    expect(() => cluster({ jobManager: { rpcPort: 6123 } })).toThrow(/jobManager.rpcPort sets jobmanager.rpc.port, which Flink on YARN leaves to a free port on the node .* \(got 6123\). Fix: remove jobManager.rpcPort/);
    expect(() => cluster({ rawConfig: { "taskmanager.rpc.port": "50100-50200" } })).toThrow(/rawConfig\["taskmanager.rpc.port"\] sets taskmanager.rpc.port, which Flink on YARN leaves to a free port .* \(got "50100-50200"\)/);
    expect(() => cluster({ jobManager: { restBindAddress: "0.0.0.0" } })).toThrow(/jobManager.restBindAddress sets rest.bind-address, which YARN sets to the host/);
    // YARN keeps a REST bind port the user gives (a range for a firewall); it only defaults it to 0.
    expect(cluster({ rawConfig: { "rest.bind-port": "50300-50310" } }).cluster.configuration.entries.get("rest.bind-port")).toBe("50300-50310");
    expect(() => cluster({ jobManager: { rpcAddress: "jm.internal" } })).toThrow(/sets jobmanager.rpc.address, which YARN sets to the host its ApplicationMaster container runs on/);
  });

  test("the EC2 target still renders its fixed ports", () => {
    const stack = new TerraformStack(Testing.app(), "plain");
    const c = new FlinkCluster(stack, "orders", { version: FlinkVersion.V1_20 });
    expect(c.configuration.entries.get("taskmanager.rpc.port")).toBe(6122);
  });

  test("a value flink-conf.yaml cannot hold is an error", () => {
    expect(() => cluster({ rawConfig: { "pipeline.name": "orders #1" } })).toThrow(/rawConfig\["pipeline.name"\] holds '#', where the flink-conf.yaml parser that EMR's Flink uses cuts the line \(a comment\) \(got "orders #1"\)/);
  });
});

describe("the configuration classifications", () => {
  test("flink-conf carries exactly the rendered keys, values in flink-conf.yaml's notation; flink-log4j the log4j file", () => {
    const { cluster: c, tf } = cluster({ rawConfig: { "metrics.job.status.enable": ["STATE", "CURRENT_TIME"], "yarn.tags": "orders,prod" } });
    const [conf, log4j] = classifications(tf);
    expect(conf.Classification).toBe("flink-conf");
    expect(Object.keys(conf.Properties)).toEqual([...c.configuration.entries.keys()]);
    for (const [key, value] of c.configuration.entries) expect(conf.Properties[key]).toBe(legacyConfValue(value));
    expect(conf.Properties["metrics.job.status.enable"]).toBe("STATE;CURRENT_TIME");
    expect(log4j.Classification).toBe("flink-log4j");
    expect(log4j.Properties["rootLogger.level"]).toBe("INFO");
    expect(log4j.Properties["appender.console.layout.pattern"]).toContain("%d{yyyy-MM-dd HH:mm:ss,SSS}");
  });

  test("lists and maps are quoted where an element holds a delimiter", () => {
    expect(legacyConfValue(["a;b", "c"])).toBe("'a;b';c");
    expect(legacyConfValue({ team: "orders", note: "a,b" })).toBe("team:orders,'note:''a,b'''");
    expect(legacyConfValue(true)).toBe("true");
  });
});

describe("YARN container limits", () => {
  test("a process larger than YARN's biggest container on the core nodes is an error with the numbers", () => {
    expect(() => cluster({ taskManager: { memory: { process: "32g" } } })).toThrow(
      /target.instanceGroups.core.instanceType lets YARN give a container at most 24576 MB \(yarn.scheduler.maximum-allocation-mb, EMR's default for m5.2xlarge\), less than Flink's taskManager process size 32 gb \(taskManager.memory.process\) \(got "m5.2xlarge"\). Fix: use a larger core instance type or a taskManager.memory.process of at most 24576m/,
    );
    expect(() => cluster({ jobManager: { memory: { process: "30g" } } })).toThrow(/less than Flink's jobManager process size 30 gb/);
  });

  test("fleets are checked against their smallest type; slots above its vCPUs warn; unknown types warn", () => {
    const fleets = { primary: { instanceTypes: ["m5.xlarge"] }, core: { instanceTypes: ["r5.2xlarge", "m5.2xlarge"], spotCapacity: 2 } };
    expect(() => cluster({ target: { instanceGroups: undefined, instanceFleets: fleets }, taskManager: { memory: { process: "30g" } } })).toThrow(/target.instanceFleets.core.instanceTypes lets YARN give a container at most 24576 MB \(yarn.scheduler.maximum-allocation-mb, EMR's default for m5.2xlarge\)/);
    const { cluster: c, tf } = cluster({ target: { instanceGroups: undefined, instanceFleets: fleets }, taskManager: { slots: 12, memory: { process: "8g" } } });
    expect(warnings(c).join("\n")).toMatch(/\[flink:slots-exceed-vcpus\] taskManager.slots is 12 but m5.2xlarge has 8 vCPUs/);
    expect(emrCluster(tf).ec2_attributes.subnet_ids).toEqual(TARGET.subnetIds);
    expect(emrCluster(tf).core_instance_fleet.target_spot_capacity).toBe(2);
    const unknown = cluster({ target: { instanceGroups: { primary: { instanceType: "m5.xlarge" }, core: { instanceType: "x2idn.16xlarge" } } } });
    expect(warnings(unknown.cluster).join("\n")).toMatch(/\[flink:unknown-instance-type\] target core instance type x2idn.16xlarge/);
  });

  test("exactly one of instance groups and fleets", () => {
    expect(() => cluster({ target: { instanceFleets: { primary: { instanceTypes: ["m5.xlarge"] }, core: { instanceTypes: ["m5.2xlarge"] } } } })).toThrow(/target.instanceGroups\/instanceFleets must set exactly one of instanceGroups and instanceFleets .* \(got "both"\)/);
    expect(() => cluster({ target: { instanceGroups: undefined } })).toThrow(/must set exactly one .* \(got "neither"\)/);
  });
});

describe("security", () => {
  test("the security configuration encrypts S3 and local disks with one key, traffic with the given certificates, and requires IMDSv2", () => {
    const { tf } = cluster();
    const [security] = resourcesOf(tf, "aws_emr_security_configuration");
    const conf = JSON.parse(security.configuration);
    const key = conf.EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.AwsKmsKey;
    expect(key).toMatch(/^\$\{aws_kms_key\.\w+\.arn\}$/);
    expect(conf.EncryptionConfiguration).toMatchObject({
      EnableAtRestEncryption: true,
      EnableInTransitEncryption: true,
      InTransitEncryptionConfiguration: { TLSCertificateConfiguration: { CertificateProviderType: "PEM", S3Object: TARGET.inTransitCertificates } },
      AtRestEncryptionConfiguration: { S3EncryptionConfiguration: { EncryptionMode: "SSE-KMS" }, LocalDiskEncryptionConfiguration: { EncryptionKeyProviderType: "AwsKms", AwsKmsKey: key, EnableEbsEncryption: true } },
    });
    expect(conf.InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 });
    expect(resourcesOf(tf, "aws_kms_key")[0].enable_key_rotation).toBe(true);
    expect(emrCluster(tf).termination_protection).toBe(true);
  });

  test("without certificates traffic is plain, with a warning", () => {
    const { cluster: c, tf } = cluster({ target: { inTransitCertificates: undefined } });
    expect(JSON.parse(resourcesOf(tf, "aws_emr_security_configuration")[0].configuration).EncryptionConfiguration.EnableInTransitEncryption).toBe(false);
    expect(warnings(c).join("\n")).toMatch(/\[flink:emr-plain-transit\]/);
  });

  test("the node role reads only the jar and certificates, writes only the log prefix; the service role passes only the node role", () => {
    const { tf } = cluster({ target: { mode: EmrMode.application({ jar: "s3://acme-jobs/orders.jar", entryClass: "com.example.Orders" }) } });
    const node = policyOf(tf, "flink-emr-node").Statement;
    expect(node.find((s: any) => s.Sid === "WriteEmrLogs")).toMatchObject({ Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-logs/emr/*" });
    expect(node.find((s: any) => s.Sid === "ReadJobAndCertificates").Resource).toEqual(["arn:aws:s3:::acme-config/certs/flink.zip", "arn:aws:s3:::acme-jobs/orders.jar"]);
    expect(JSON.stringify(node)).not.toMatch(/"s3:\*"|"Resource":"arn:aws:s3:::\*"/);
    const service = policyOf(tf, "flink-emr-service").Statement;
    expect(service.find((s: any) => s.Sid === "PassInstanceRole")).toMatchObject({ Action: "iam:PassRole", Resource: expect.stringMatching(/aws_iam_role\.\w*InstanceRole\w*\.arn/) });
    const attachments = resourcesOf(tf, "aws_iam_role_policy_attachment").map((a) => a.policy_arn);
    expect(attachments).toContain("arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2");
    // EMR refuses an instance profile named otherwise than its role.
    const [profile] = resourcesOf(tf, "aws_iam_instance_profile");
    expect(profile.name).toBe(profile.role);
  });

  test("security groups carry EMR's managed-policy tag, revoke their rules on delete, and open no web UI unless asked", () => {
    const { tf } = cluster();
    const groups = resourcesOf(tf, "aws_security_group");
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(g).toMatchObject({ revoke_rules_on_delete: true, tags: { "for-use-with-amazon-emr-managed-policies": "true" } });
    const ingress = resourcesOf(tf, "aws_vpc_security_group_ingress_rule");
    expect(ingress.map((r) => r.from_port)).toEqual([9443]);
    for (const cidr of ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "203.0.113.0/24", "10.0.0.0/7"]) {
      expect(() => cluster({ target: { webAccess: { cidrs: [cidr] } } })).toThrow(/target.webAccess.cidrs opens YARN's web UIs, which submit and kill applications without authentication, beyond private networks/);
    }
    const open = cluster({ target: { webAccess: { cidrs: ["10.0.0.0/8"] } } });
    expect(resourcesOf(open.tf, "aws_vpc_security_group_ingress_rule").map((r) => r.from_port).sort()).toEqual([20888, 8088, 9443]);
  });

  test("features that need our own node set-up are refused on EMR, saying what to use", () => {
    const stack = new TerraformStack(Testing.app(), "refused");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const tls = new FlinkTls(stack, "tls", { internal: { secret: TlsSecret.secretsManager("arn:aws:secretsmanager:eu-west-1:123456789012:secret:flink-AbCdEf") } });
    expect(() => new FlinkCluster(stack, "a", { version: FlinkVersion.V1_20, tls, target: FlinkTarget.emr(TARGET) })).toThrow(/FlinkTls "refused\/tls" bound to cluster "a":\n.*cannot carry FlinkTls: EMR sets up its nodes itself .* Fix: set the target's inTransitCertificates/);
    const monitoring = new FlinkMonitoring(stack, "monitoring", { scrapers: { cidrs: ["10.0.0.0/8"] } });
    expect(() => new FlinkCluster(stack, "b", { version: FlinkVersion.V1_20, monitoring, target: FlinkTarget.emr(TARGET) })).toThrow(/cannot carry FlinkMonitoring/);
  });

  test("bad inputs: ids, URIs, the key, the entry class", () => {
    expect(() => cluster({ target: { vpcId: "vpc-1", subnetIds: [] } })).toThrow(/target.vpcId must be an AWS vpc id .* \(got "vpc-1"\)[\s\S]*target.subnetIds must list at least one subnet \(got \[\]\)/);
    expect(() => cluster({ target: { logUri: "${TfToken[TOKEN.1]}" } })).toThrow(/target.logUri must be written as s3:\/\/<bucket>\/<key>, with references only inside it/);
    expect(() => cluster({ target: { logUri: "/var/log/emr" } })).toThrow(/target.logUri must be an S3 URI .* \(got "\/var\/log\/emr"\)/);
    expect(() => cluster({ target: { kmsKeyArn: "alias/flink" } })).toThrow(/target.kmsKeyArn must be a KMS key ARN .* \(got "alias\/flink"\)/);
    expect(() => cluster({ target: { mode: EmrMode.application({ jar: "./orders.jar", entryClass: "1bad" }) } })).toThrow(/target.mode.jar must be an object on S3.* \(got ".\/orders.jar"\)[\s\S]*target.mode.entryClass must be a Java class name .* \(got "1bad"\)/);
  });
});

describe("the steps and outputs", () => {
  test("a session is one detached yarn-session step whose later user steps do not replace the cluster", () => {
    const { tf } = cluster();
    const c = emrCluster(tf);
    expect(c.step.map((s: any) => s.hadoop_jar_step[0].args)).toEqual([["flink-yarn-session", "-d"]]);
    expect(c.lifecycle).toEqual({ ignore_changes: ["step"] });
    expect(Object.keys(tf.output).sort()).toEqual(["orders-deployment", "orders-emr-cluster-id", "orders-flink-web-ui", "orders-list-jobs", "orders-primary-node", "orders-resource-manager-url", "orders-submit-job"]);
  });

  test("an application copies its jar and runs it in YARN application mode; its restore is in flink-conf", () => {
    const { cluster: c, tf } = cluster({ restore: { path: "s3://acme-state/savepoints/savepoint-1a2b3c", allowNonRestoredState: true }, target: { mode: EmrMode.application({ jar: "s3://acme-jobs/orders.jar", entryClass: "com.example.Orders", args: ["--topic", "orders"] }) } });
    const steps = emrCluster(tf).step.map((s: any) => s.hadoop_jar_step[0].args);
    expect(steps).toEqual([
      ["aws", "s3", "cp", "s3://acme-jobs/orders.jar", "/home/hadoop/flink-jobs/orders.jar"],
      ["flink", "run-application", "-t", "yarn-application", "-c", "com.example.Orders", "/home/hadoop/flink-jobs/orders.jar", "--topic", "orders"],
    ]);
    expect(emrCluster(tf).lifecycle).toBeUndefined();
    expect(classifications(tf)[0].Properties["execution.state-recovery.path"]).toBe("s3://acme-state/savepoints/savepoint-1a2b3c");
    expect(c.configuration.entries.get("execution.state-recovery.ignore-unclaimed-state")).toBe(true);
    expect(tf.output["orders-submit-job"]).toBeUndefined();
  });

  test("both examples synthesize, deterministically", () => {
    for (const example of [emrSessionExample, emrApplicationExample]) {
      const first = synthStack(example);
      const second = synthStack(example);
      expect(first.text).toBe(second.text);
      expect(fs.readFileSync(path.join(first.flinkDir, "orders", "config.yaml"), "utf8")).toContain("yarn.application.name: orders");
      expect(emrCluster(first.tf).release_label).toBe("emr-7.13.0");
    }
  });
});

describeWithRealFlink("Flink reads what EMR is given (test/emr-target.test.ts)", ["1.20"])("real Flink 1.20", () => {
  test("flink-conf.yaml written from the flink-conf classification reads as the rendered config.yaml", async () => {
    const layout = flinkLayout("1.20");
    const { cluster: c, tf } = cluster({
      rawConfig: { "metrics.job.status.enable": ["STATE", "CURRENT_TIME"], "pipeline.global-job-parameters": { team: "orders", region: "eu-west-1" }, "yarn.tags": "orders,prod" },
      restore: { path: "s3://acme-state/savepoints/savepoint-1a2b3c", claimMode: "CLAIM" },
    });
    const properties = classifications(tf)[0].Properties;
    const { root, dirs } = writeConfigDirs([{ name: "config-yaml", configYaml: c.configYaml }, { name: "flink-conf", configYaml: "" }]);
    try {
      // EMR writes each property as a `key: value` line of flink-conf.yaml; 1.20 reads that file with its legacy parser.
      fs.rmSync(path.join(dirs[1], "config.yaml"));
      fs.writeFileSync(path.join(dirs[1], "flink-conf.yaml"), Object.entries(properties).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");
      const report = await probeReport(layout, dirs);
      const [yaml, legacy] = report.configs;
      expect(yaml.error).toBeUndefined();
      expect(legacy.error).toBeUndefined();
      expect(Object.keys(legacy.values ?? {}).sort()).toEqual(Object.keys(yaml.values ?? {}).sort());
      expect(legacy.values).toEqual(yaml.values);
      for (const [key, read] of Object.entries(legacy.values ?? {})) expect({ key, error: read.error }).toEqual({ key, error: undefined });
      expect(legacy.values?.["pipeline.global-job-parameters"].value).toEqual({ team: "orders", region: "eu-west-1" });
      expect(legacy.values?.["execution.state-recovery.claim-mode"].value).toBe("CLAIM");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test("the steps' and outputs' command lines are what Flink's CLI parser accepts", () => {
    const layout = flinkLayout("1.20");
    const [, run] = emrCommandLines("orders", EmrMode.application({ jar: "s3://acme-jobs/orders.jar", entryClass: "com.example.Orders", args: ["--topic", "orders", "-p", "3"] }));
    expect(run.slice(0, 2)).toEqual(["flink", "run-application"]);
    expect(probeCli(layout, "run-application", run.slice(2))).toEqual({
      config: expect.objectContaining({ "execution.target": "yarn-application" }),
      jar: "/home/hadoop/flink-jobs/orders.jar",
      entryClass: "com.example.Orders",
      args: ["--topic", "orders", "-p", "3"],
      restore: "SavepointRestoreSettings.none()",
    });
    const { tf } = cluster();
    // The outputs' lines, with the application id the shell substitutes.
    for (const [output, action] of [["orders-submit-job", "run"], ["orders-list-jobs", "list"]] as const) {
      const line = (tf.output[output].value as string).replace(/"\$\(.*?\)"/, "application_1700000000000_0001").replace("<job.jar>", "job.jar").split(" ");
      expect(line.slice(0, 2)).toEqual(["flink", action]);
      const parsed = probeCli(layout, action, line.slice(2));
      expect(parsed.error).toBeUndefined();
      expect(parsed.config).toMatchObject({ "execution.target": "yarn-session", "yarn.application.id": "application_1700000000000_0001" });
    }
  });
});
