import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { parse } from "yaml";
import { ec2ContainerExample, ec2StandaloneExample } from "../examples/ec2-standalone/main";
import { FlinkCluster, FlinkClusterProps, FlinkRuntime, FlinkStateStorage, FlinkTarget, FlinkVersion } from "../lib";
import { Ec2TargetProps } from "../lib/targets/ec2/ec2-target";
import { unescapeTerraformTemplate } from "../lib/private/terraform-text";
import { EC2_TARGET, FAKE_SHA512 } from "./fixtures/ec2-target";
import { resourcesOf, synthStack } from "./helpers/synth";

const all = resourcesOf;
const one = (tf: any, type: string) => {
  const list = all(tf, type);
  expect(list).toHaveLength(1);
  return list[0];
};
/** The security group resource key a `${aws_security_group.<key>.id}` reference points to. */
const groupKey = (ref: string) => /aws_security_group\.([^.]+)\.id/.exec(ref)?.[1];


function cluster(props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<Ec2TargetProps> } = {}) {
  const stack = new TerraformStack(Testing.app(), "prod");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const { target, ...rest } = props;
  const c = new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_2,
    taskManager: { slots: 4, memory: { process: "8g" } },
    ...rest,
    target: FlinkTarget.ec2({ ...EC2_TARGET, ...target }),
  });
  return { stack, cluster: c };
}

const warnings = (c: FlinkCluster) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);

describe("the ec2-standalone example", () => {
  const { tf, flinkDir } = synthStack(ec2StandaloneExample);
  const sg = (name: string) => Object.keys(tf.resource.aws_security_group).find((k) => k.includes(name))!;
  const jm = sg("JobManagerSecurityGroup");
  const tm = sg("TaskManagerSecurityGroup");

  test("each node's user data reaches EC2 gzipped (cloud-init unpacks it), from its Terraform template", () => {
    const userData = [...all(tf, "aws_launch_template").map((t) => t.user_data), ...all(tf, "aws_instance").map((i) => i.user_data_base64)];
    expect(userData).toEqual([expect.stringMatching(/^\$\{base64gzip\(local\.\w+_taskmanager_user_data_\w+\)\}$/), expect.stringMatching(/^\$\{base64gzip\(local\.\w+_jobmanager_user_data_\w+\)\}$/)]);
    for (const value of userData) expect(Object.keys(tf.locals)).toContain(/local\.(\w+)\)/.exec(value)![1]);
  });

  test("security groups open exactly Flink's ports between the roles that use them", () => {
    const ingress = all(tf, "aws_vpc_security_group_ingress_rule").map((r) => ({
      to: groupKey(r.security_group_id),
      from: r.referenced_security_group_id ? groupKey(r.referenced_security_group_id) : r.cidr_ipv4,
      ports: [r.from_port, r.to_port],
    }));
    expect(ingress).toEqual(
      expect.arrayContaining([
        { to: jm, from: tm, ports: [6123, 6123] },
        { to: jm, from: tm, ports: [6124, 6124] },
        { to: tm, from: jm, ports: [6122, 6122] },
        { to: tm, from: jm, ports: [6125, 6125] },
        { to: tm, from: tm, ports: [6121, 6121] },
        { to: jm, from: "10.40.0.0/16", ports: [8081, 8081] },
        { to: jm, from: "10.40.0.0/16", ports: [9249, 9249] },
        { to: tm, from: "10.40.0.0/16", ports: [9249, 9249] },
      ]),
    );
    expect(ingress).toHaveLength(8);
    const egress = all(tf, "aws_vpc_security_group_egress_rule");
    expect(egress.filter((r) => r.cidr_ipv4 === "0.0.0.0/0").map((r) => [r.from_port, r.to_port])).toEqual([[443, 443], [443, 443]]);
    expect(all(tf, "aws_security_group").every((g) => g.ingress === undefined && g.egress === undefined)).toBe(true);
    expect([...all(tf, "aws_vpc_security_group_ingress_rule"), ...egress].every((r) => r.tags["flink:cluster"] === "sessions")).toBe(true);
  });

  test("nodes require IMDSv2, encrypt their volumes and carry the cluster's tags", () => {
    const instance = one(tf, "aws_instance");
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_put_response_hop_limit: 1, http_tokens: "required" });
    expect(instance.root_block_device).toMatchObject({ encrypted: true, volume_type: "gp3" });
    expect(instance.tags).toMatchObject({ "flink:cluster": "sessions", "flink:version": "1.20", team: "analytics" });
    const template = one(tf, "aws_launch_template");
    expect(template.metadata_options).toEqual({ http_endpoint: "enabled", http_put_response_hop_limit: 1, http_tokens: "required" });
    expect(template.block_device_mappings[0].ebs).toMatchObject({ encrypted: "true", volume_type: "gp3" });
    expect(template.tag_specifications.map((t: any) => t.resource_type)).toEqual(["instance", "volume", "network-interface"]);
    const group = one(tf, "aws_autoscaling_group");
    expect(group).toMatchObject({ min_size: 3, desired_capacity: 3, max_size: 6 });
    expect(group.vpc_zone_identifier).toHaveLength(2);
    expect(group.instance_refresh.strategy).toBe("Rolling");
  });

  test("one instance role: the storage grants, SSM and the CloudWatch agent, nothing else", () => {
    const role = one(tf, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Sid: "Ec2AssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(all(tf, "aws_iam_role_policy_attachment").map((a) => a.policy_arn).sort()).toEqual([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]);
    const statements = JSON.parse(one(tf, "aws_iam_role_policy").policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(["FlinkStateObjects", "FlinkStateList", "FlinkStateBucketLocation", "FlinkStateKms"]);
    expect(statements[0].Resource).toMatch(/\/flink\/sessions\/\*$/);
    expect(statements.flatMap((s: any) => [s.Action].flat()).some((a: string) => a.endsWith("*"))).toBe(false);
  });

  test.each(["jobmanager", "taskmanager"])("the %s user data writes config files byte-equal to the files beside the Terraform", (role) => {
    const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes(`${role}_user_data`))![1];
    // Literal ${...} (log4j's lookups) is escaped for Terraform, which renders it back for the node.
    expect(local).toContain("$${sys:log.file}");
    const userData = unescapeTerraformTemplate(local);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    const files = Object.fromEntries((parse(userData).write_files as Array<{ path: string; content: string }>).map((f) => [f.path, f.content]));
    expect(files["/etc/flink/config.yaml"]).toBe(fs.readFileSync(path.join(flinkDir, "sessions", "config.yaml"), "utf8"));
    expect(files["/etc/flink/log4j-console.properties"]).toBe(fs.readFileSync(path.join(flinkDir, "sessions", "log4j-console.properties"), "utf8"));
    expect(files[`/etc/systemd/system/flink-${role}.service`]).toContain(`ExecStart=/opt/flink/bin/${role}.sh start-foreground`);
    expect(files[`/etc/systemd/system/flink-${role}.service`]).toContain("Restart=on-failure");
    expect(files[`/etc/systemd/system/flink-${role}.service`]).toContain("WantedBy=multi-user.target");
    const install = files["/usr/local/sbin/flink-install.sh"];
    expect(install).toContain("sha512sum -c flink.tgz.sha512");
    expect(install).toContain("--proto '=https'");
    expect(install).toContain("cp /opt/flink-1.20.1/opt/flink-s3-fs-presto-*.jar /opt/flink-1.20.1/plugins/flink-s3-fs-presto/");
    expect(install).toContain("'/var/lib/flink/rocksdb'");
  });

  test("the install scripts are valid bash, and a failed install does not start Flink", () => {
    for (const role of ["jobmanager", "taskmanager"]) {
      const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes(`${role}_user_data`))![1];
      const cloudConfig = parse(unescapeTerraformTemplate(local));
      const script = cloudConfig.write_files.find((f: any) => f.path === "/usr/local/sbin/flink-install.sh").content;
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "install-")), "install.sh");
      fs.writeFileSync(file, script);
      expect(() => execFileSync("bash", ["-n", file], { stdio: "pipe" })).not.toThrow();
      expect(script).toContain("groupadd --system --gid 9999 flink");
      expect(cloudConfig.runcmd).toEqual([["sh", "-c", `/usr/local/sbin/flink-install.sh && systemctl daemon-reload && systemctl enable --now flink-${role}.service`]]);
    }
  });

  test("the CloudWatch agent ships Flink's log files to a log group with a retention", () => {
    const group = one(tf, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: "/flink/ec2-standalone/sessions", retention_in_days: 30 });
    const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes("taskmanager_user_data"))![1];
    const files = parse(unescapeTerraformTemplate(local)).write_files;
    const agent = JSON.parse(files.find((f: any) => f.path === "/opt/aws/amazon-cloudwatch-agent/etc/flink.json").content);
    expect(agent.logs.logs_collected.files.collect_list).toEqual([{ file_path: "/var/log/flink/*.log", log_group_name: "/flink/ec2-standalone/sessions", log_stream_name: "{instance_id}/taskmanager", multi_line_start_pattern: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}" }]);
  });

  test("the config points at the JobManager's DNS name and the cluster's own S3 prefixes", () => {
    const config = parse(fs.readFileSync(path.join(flinkDir, "sessions", "config.yaml"), "utf8"));
    expect(config["jobmanager.rpc.address"]).toBe("jobmanager.sessions.flink.internal");
    expect(config["execution.checkpointing.dir"]).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.[^}]+\.bucket\}\/flink\/sessions\/checkpoints$/);
    expect(one(tf, "aws_route53_record")).toMatchObject({ name: "jobmanager.sessions.flink.internal", type: "A" });
    expect(JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8")).clusters[0].target).toBe("ec2");
  });

  test("outputs: REST URL, JobManager address, bucket and prefixes, and the flink CLI lines", () => {
    // Readable names: <clusterName>-<output in kebab case>.
    const outputs = Object.fromEntries(Object.entries(tf.output as Record<string, { value: string }>).map(([k, v]) => [k.replace(/^sessions-/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v.value]));
    expect(Object.keys(tf.output).sort()).toEqual(["sessions-checkpoints-uri", "sessions-deployment", "sessions-job-manager-address", "sessions-list-jobs", "sessions-rest-url", "sessions-savepoints-uri", "sessions-state-bucket", "sessions-submit-job"]);
    expect(outputs).toMatchObject({
      restUrl: "http://jobmanager.sessions.flink.internal:8081",
      jobManagerAddress: "jobmanager.sessions.flink.internal",
      submitJob: "flink run -m jobmanager.sessions.flink.internal:8081 <job.jar>",
      listJobs: "flink list -m jobmanager.sessions.flink.internal:8081",
    });
    expect(Object.keys(outputs).sort()).toEqual(["checkpointsUri", "deployment", "jobManagerAddress", "listJobs", "restUrl", "savepointsUri", "stateBucket", "submitJob"]);
  });
});

test("the container-image variant runs the official image as the flink user with the host's network", () => {
  const { tf } = synthStack(ec2ContainerExample);
  const local = Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes("taskmanager_user_data"))![1];
  const files = Object.fromEntries((parse(unescapeTerraformTemplate(local)).write_files as Array<{ path: string; content: string }>).map((f) => [f.path, f.content]));
  const unit = files["/etc/systemd/system/flink-taskmanager.service"];
  expect(unit).toContain("Requires=docker.service");
  expect(unit).toMatch(/ExecStart=\/usr\/bin\/docker run --rm --name flink-taskmanager --network host --user 9999:9999 -v \/etc\/flink:\/opt\/flink\/conf:ro/);
  expect(unit).toContain("exec /opt/flink/bin/taskmanager.sh start-foreground");
  expect(unit).toContain("Restart=on-failure");
  expect(files["/usr/local/sbin/flink-install.sh"]).toContain("dnf install -y docker");
});

test("the same code synthesizes byte-identical Terraform", () => {
  expect(synthStack(ec2StandaloneExample).text).toBe(synthStack(ec2StandaloneExample).text);
});

test("an s3:// directory set without state storage still gets Flink's S3 plugin", () => {
  const { stack } = cluster({ checkpointing: { interval: "1 min", directory: "s3://team-bucket/flink/checkpoints" } });
  const tf = JSON.parse(Testing.synth(stack));
  const local = Object.values(tf.locals as Record<string, string>)[0];
  expect(local).toContain("cp /opt/flink-2.2.0/opt/flink-s3-fs-presto-*.jar /opt/flink-2.2.0/plugins/flink-s3-fs-presto/");
});

describe("bad input", () => {
  test("no subnets", () => {
    expect(() => cluster({ target: { subnetIds: [] } })).toThrow(/target\.subnetIds must list at least one subnet/);
  });

  test("an instance type too small for Flink's process size", () => {
    expect(() => cluster({ target: { taskManagers: { instanceType: "m6i.large" } } })).toThrow(
      /target\.taskManagers\.instanceType has 8 gb of memory, 7 gb after the OS and agents, less than Flink's process size 8 gb \(taskManager\.memory\)/,
    );
  });

  test("REST open to the internet needs the explicit opt-in, and then warns", () => {
    expect(() => cluster({ target: { restAccess: { cidrs: ["0.0.0.0/0"] } } })).toThrow(/target\.restAccess\.cidrs opens the port to the whole internet .*allowPublicRestAccess/);
    const { cluster: c } = cluster({ target: { restAccess: { cidrs: ["0.0.0.0/0"] }, allowPublicRestAccess: true } });
    expect(warnings(c)).toContainEqual(expect.stringMatching(/^\[flink:public-rest\]/));
  });

  test("more slots than vCPUs and an unknown instance type are warnings", () => {
    const { cluster: c } = cluster({ taskManager: { slots: 16, memory: { process: "8g" } }, target: { jobManager: { instanceType: "x9.huge" } } });
    expect(warnings(c)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[flink:slots-exceed-vcpus\] taskManager\.slots is 16 but m6i\.2xlarge has 8 vCPUs/), expect.stringMatching(/^\[flink:unknown-instance-type\] target\.jobManager\.instanceType x9\.huge/)]));
  });

  test.each<[string, Partial<Ec2TargetProps>, RegExp]>([
    ["a malformed checksum", { runtime: FlinkRuntime.tarball({ release: "2.2.0", sha512: "abc" }) }, /target\.runtime\.sha512 must be the 128 hex digits/],
    ["a plain-http download", { runtime: FlinkRuntime.tarball({ release: "2.2.0", sha512: FAKE_SHA512, url: "http://example.com/flink.tgz" }) }, /target\.runtime\.url must be an https URL/],
    ["a release of another version", { runtime: FlinkRuntime.tarball({ release: "1.20.1", sha512: FAKE_SHA512 }) }, /target\.runtime\.release must be a full Flink 2\.2\.x release/],
    ["an image of another version", { runtime: FlinkRuntime.containerImage({ image: "flink:1.20.1-java17" }) }, /target\.runtime\.image has tag 1\.20\.1-java17, which is not Flink 2\.2/],
    ["a bad TaskManager count, naming the relation", { taskManagers: { instanceType: "m6i.2xlarge", desired: 3, max: 2 } }, /target\.taskManagers must have desired <= max \(desired 3 > max 2\) .*Fix: raise max to 3 or lower desired to 2\./],
    ["min above desired", { taskManagers: { instanceType: "m6i.2xlarge", desired: 1, min: 2, max: 4 } }, /target\.taskManagers must have min <= desired \(min 2 > desired 1\)/],
    ["a bad log group name", { logGroupName: "flink logs" }, /target\.logGroupName must be 1-512 letters/],
    ["a malformed CIDR", { restAccess: { cidrs: ["10.0.0.0/33"] } }, /target\.restAccess\.cidrs must be an IPv4 CIDR block/],
    ["a subnet id given as a VPC id", { vpcId: "subnet-0123456789abcdef0" }, /target\.vpcId must be an AWS vpc id such as vpc-0123456789abcdef0/],
    ["a malformed AMI id", { amiId: "al2023" }, /target\.amiId must be an AWS ami id/],
    ["a malformed security group id", { restAccess: { securityGroupIds: ["prometheus"] } }, /target\.restAccess\.securityGroupIds\[0\] must be an AWS sg id/],
  ])("%s", (_name, target, message) => {
    expect(() => cluster({ target })).toThrow(message);
  });

  test("user data over EC2's 16 KiB limit, gzipped", () => {
    // Names gzip cannot shrink much: hex digests (4 bits of 8 per character).
    const name = (i: number) => `com.example.c${createHash("sha256").update(String(i)).digest("hex")}`;
    const fits = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [name(i), "DEBUG" as const]));
    expect(() => cluster({ logging: { loggers: fits } })).not.toThrow();
    const loggers = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [name(i), "DEBUG" as const]));
    expect(() => cluster({ logging: { loggers } })).toThrow(/the jobmanager user data is about \d+ bytes gzipped, more than EC2's limit of 16384/);
  });

  test("an image not pinned by digest is a warning", () => {
    const { cluster: c } = cluster({ target: { runtime: FlinkRuntime.containerImage({ image: "flink:2.2.0-java17" }) } });
    expect(warnings(c)).toContainEqual(expect.stringMatching(/^\[flink:image-not-pinned\]/));
  });

  test("a checkpoint expiry shorter than Flink keeps checkpoints is an error; with incremental checkpoints, any expiry warns", () => {
    const build = (incremental: boolean, days: number) => {
      const stack = new TerraformStack(Testing.app(), "prod");
      const storage = new FlinkStateStorage(stack, "state", { lifecycle: { checkpointsExpireAfterDays: days } });
      return new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, stateStorage: storage, checkpointing: { interval: "1 d", retained: 3, incremental } });
    };
    expect(() => build(false, 2)).toThrow(/stateStorage expires checkpoint objects sooner than Flink keeps checkpoints \(checkpointing\.interval 1 d x retained 3 = 3 d\)/);
    expect(warnings(build(false, 7))).not.toContainEqual(expect.stringMatching(/incremental-expiry/));
    expect(warnings(build(true, 7))).toContainEqual(expect.stringMatching(/^\[flink:incremental-expiry\]/));
  });

  test("a JobManager address set by hand clashes with the target's", () => {
    expect(() => cluster({ jobManager: { rpcAddress: "jm.internal" } })).toThrow(/target \(jobmanager\.rpc\.address\) sets jobmanager\.rpc\.address, which jobManager\.rpcAddress already sets.* Fix: remove jobManager\.rpcAddress: target decides jobmanager\.rpc\.address\./);
  });
});
