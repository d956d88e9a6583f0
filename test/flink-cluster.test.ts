import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { parse } from "yaml";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { FlinkCluster, FlinkClusterProps, FlinkRuntime, FlinkStateStorage, FlinkTarget, FlinkVersion, StateBackend } from "../lib";
import { catalogFor } from "../lib/config/catalog";
import { asUnderCdktfCli } from "./helpers/cdktf-cli";

/** Synthesizes `build` into a fresh directory and returns the stack's flink/ folder. */
function synthFlinkDir(build: (stack: TerraformStack) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-cluster-test-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "stack");
  build(stack);
  app.synth();
  return path.join(outdir, "stacks", "stack", "flink");
}

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, entry);
    if (fs.statSync(full).isFile()) files[entry] = fs.readFileSync(full, "utf8");
  }
  return files;
}

describe("FlinkCluster", () => {
  test("exposes the configuration, memory and rendered files", () => {
    const cluster = new FlinkCluster(new TerraformStack(Testing.app(), "prod"), "orders", {
      version: FlinkVersion.V2_2,
      taskManager: { slots: 4, memory: { process: "4096m" } },
    });
    expect(cluster.clusterName).toBe("orders");
    expect(cluster.configuration.entries.get("taskmanager.numberOfTaskSlots")).toBe(4);
    expect(cluster.memory.taskManager).toEqual({
      totalProcess: 4294967296,
      totalFlink: 3597035104,
      frameworkHeap: 134217728,
      taskHeap: 1530082070,
      frameworkOffHeap: 134217728,
      taskOffHeap: 0,
      managed: 1438814063,
      network: 359703515,
      jvmMetaspace: 268435456,
      jvmOverhead: 429496736,
    });
    expect(cluster.memory.jobManager).toMatchObject({ totalProcess: 1677721600, jvmHeap: 1073741824 });
    expect(parse(cluster.configYaml)).toMatchObject({ "taskmanager.numberOfTaskSlots": 4, "taskmanager.memory.process.size": "4 gb" });
    expect(cluster.log4jProperties).toContain("rootLogger.level = INFO");
  });

  test("a bad setting fails with the construct path, property, value, rule and fix", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "prod");
    expect(() => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 0 } })).toThrow(
      'FlinkCluster "prod/orders":\n  taskManager.slots must be a whole number >= 1 (got 0). Fix: set a whole number >= 1.',
    );
  });

  test("an impossible memory configuration fails with Flink's reason and the numbers", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    expect(
      () => new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { memory: { process: "400m" } } }),
    ).toThrow(/FlinkCluster "prod\/orders":\n {2}taskManager\.memory\.\w+ .*\d+ bytes/);
  });

  test("an unknown version and an invalid cluster name are errors", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    expect(() => new FlinkCluster(stack, "a", { version: FlinkVersion.of("1.17") })).toThrow(/prod\/a":\n {2}version must be a Flink version from 1\.20 on/);
    expect(() => new FlinkCluster(stack, "b", { version: FlinkVersion.V2_2, clusterName: "Orders_Prod" })).toThrow(/clusterName must be 1-40 lowercase letters/);
  });

  test("warnings become annotations with a stable id", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    const cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.of("2.4"), checkpointing: { interval: "1 min" } });
    const messages = cluster.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
    expect(messages).toEqual([expect.stringMatching(/^\[flink:unchecked-version\] /), expect.stringMatching(/^\[flink:no-checkpoint-directory\] /)]);
  });

  test("two clusters of one stack may not share a name", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2 });
    expect(() => new FlinkCluster(stack, "Orders", { version: FlinkVersion.V2_2 })).toThrow(
      /FlinkCluster "prod\/Orders": clusterName "orders" is already used by "prod\/orders"/,
    );
  });
});

describe("files beside the Terraform", () => {
  const build = (stack: TerraformStack) => {
    new FlinkCluster(stack, "payments", { version: FlinkVersion.V1_20, jobManager: { rpcAddress: "jm.internal" } });
    new FlinkCluster(stack, "orders", {
      version: FlinkVersion.V2_2,
      stateBackend: StateBackend.rocksdb({ localDir: "/data/rocksdb" }),
      logging: { rootLevel: "WARN" },
    });
  };

  test("manifest.json lists each cluster with its files, which equal the cluster's properties", () => {
    const clusters: FlinkCluster[] = [];
    const dir = synthFlinkDir((stack) => {
      build(stack);
      clusters.push(...stack.node.findAll().filter((c): c is FlinkCluster => c instanceof FlinkCluster));
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest).toEqual({
      clusters: [
        {
          name: "orders",
          flinkVersion: "2.2",
          target: "none",
          files: { "config.yaml": "orders/config.yaml", "log4j-console.properties": "orders/log4j-console.properties", "memory.json": "orders/memory.json" },
        },
        {
          name: "payments",
          flinkVersion: "1.20",
          target: "none",
          files: { "config.yaml": "payments/config.yaml", "log4j-console.properties": "payments/log4j-console.properties", "memory.json": "payments/memory.json" },
        },
      ],
    });
    for (const cluster of clusters) {
      const read = (file: string) => fs.readFileSync(path.join(dir, cluster.clusterName, file), "utf8");
      expect(read("config.yaml")).toBe(cluster.configYaml);
      expect(read("log4j-console.properties")).toBe(cluster.log4jProperties);
      expect(JSON.parse(read("memory.json"))).toEqual(cluster.memory);
      const catalog = catalogFor(cluster.version.catalog!);
      const keys = Object.keys(parse(read("config.yaml")));
      expect(keys.filter((k) => !catalog.isDocumented(k) || catalog.replacementsOf(k).length > 0)).toEqual([]);
    }
  });

  test("the same code synthesizes byte-identical files", () => {
    expect(readTree(synthFlinkDir(build))).toEqual(readTree(synthFlinkDir(build)));
  });

  test("tokens in the configuration are written as the Terraform expressions the resources carry", () => {
    let cluster: FlinkCluster | undefined;
    const dir = synthFlinkDir((stack) => {
      const address = new TerraformVariable(stack, "jobmanager_address", { type: "string" });
      cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, jobManager: { rpcAddress: address.stringValue } });
    });
    expect(cluster!.configYaml).toMatch(/jobmanager\.rpc\.address: .*TfToken/);
    expect(fs.readFileSync(path.join(dir, "orders", "config.yaml"), "utf8")).toContain("jobmanager.rpc.address: ${var.jobmanager_address}\n");
  });
});

describe("settings that would synthesize and fail at run time (issue: what a new user hit)", () => {
  const ec2 = (props: Partial<FlinkClusterProps>, taskManagers: { desired?: number; max?: number } = { desired: 2 }) => {
    const stack = new TerraformStack(Testing.app(), "prod");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    return new FlinkCluster(stack, "orders", {
      version: FlinkVersion.V2_2,
      taskManager: { slots: 2, memory: { process: "4g" } },
      ...props,
      target: FlinkTarget.ec2({
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0"],
        amiId: "ami-0123456789abcdef0",
        jobManager: { instanceType: "m6i.large" },
        taskManagers: { instanceType: "m6i.xlarge", ...taskManagers },
        runtime: FlinkRuntime.tarball({ release: "2.2.0", sha512: "a".repeat(128) }),
      }),
    });
  };
  const warningsOf = (c: FlinkCluster) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);

  test("an S3 checkpoint directory no grant covers is a warning naming FlinkStateStorage.fromBucketName", () => {
    const c = ec2({ checkpointing: { interval: "30 s", directory: "s3://other-bucket/cp" } });
    expect(warningsOf(c)).toContainEqual(expect.stringMatching(/^\[flink:s3-not-granted\] checkpointing\.directory s3:\/\/other-bucket\/cp is on S3, but no grant covers it.*FlinkStateStorage\.fromBucketName/));
    // The directories a bound stateStorage sets (s3:// on its bucket) come with their grant.
    const stack = new TerraformStack(Testing.app(), "granted");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const granted = new FlinkCluster(stack, "orders", {
      version: FlinkVersion.V2_2,
      checkpointing: { interval: "30 s" },
      stateStorage: FlinkStateStorage.fromBucketName(stack, "state", "other-bucket"),
      target: FlinkTarget.ec2({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"], amiId: "ami-0123456789abcdef0", jobManager: { instanceType: "m6i.large" }, taskManagers: { instanceType: "m6i.xlarge" }, runtime: FlinkRuntime.tarball({ release: "2.2.0", sha512: "a".repeat(128) }) }),
    });
    expect(granted.configuration.entries.get("execution.checkpointing.dir")).toBe("s3://other-bucket/flink/orders/checkpoints");
    expect(warningsOf(granted).filter((w) => w.includes("s3-not-granted"))).toEqual([]);
  });

  test("a local checkpoint directory with more than one TaskManager node is an error with the fix", () => {
    expect(() => ec2({ checkpointing: { interval: "30 s", directory: "file:///var/lib/flink/checkpoints" } })).toThrow(
      /checkpointing\.directory is a local directory, but target\.taskManagers\.max allows 2 TaskManagers: .*none could be restored .*Fix: give the cluster a stateStorage/,
    );
    expect(() => ec2({ checkpointing: { interval: "30 s", directory: "file:///var/lib/flink/checkpoints" } }, { desired: 1 })).not.toThrow();
    expect(() => ec2({ checkpointing: { interval: "30 s", savepointDirectory: "/var/lib/flink/savepoints" } })).toThrow(/checkpointing\.savepointDirectory is a local directory/);
    const stack = new TerraformStack(Testing.app(), "k8s");
    new KubernetesProvider(stack, "kubernetes", {});
    expect(
      () =>
        new FlinkCluster(stack, "orders", {
          version: FlinkVersion.V2_2,
          checkpointing: { interval: "30 s", directory: "file:///data/cp" },
          target: FlinkTarget.kubernetes({ namespace: { name: "flink" }, image: "flink:2.2.0-java17", taskManagers: { replicas: 3 } }),
        }),
    ).toThrow(/checkpointing\.directory is a local directory, but target\.taskManagers\.replicas allows 3 TaskManagers/);
  });

  test("an EC2 session cluster parked at desired 0 is a warning, and its group may grow to 1", () => {
    const c = ec2({}, { desired: 0 });
    expect(warningsOf(c)).toContainEqual(expect.stringMatching(/^\[flink:no-taskmanagers\] target\.taskManagers\.desired is 0/));
    const tf = JSON.parse(Testing.synth(TerraformStack.of(c)));
    expect(Object.values(tf.resource.aws_autoscaling_group).find((g: any) => g.name_prefix === "orders-taskmanagers-")).toMatchObject({ desired_capacity: 0, min_size: 0, max_size: 1 });
  });

  test("without HA, a JobManager replaced on a configuration change is a warning", () => {
    expect(warningsOf(ec2({}))).toContainEqual(expect.stringMatching(/^\[flink:restart-loses-jobs\] the cluster has no high availability/));
  });

  test("TLS and Kerberos switched on through rawConfig are refused for their typed properties; literal secrets always", () => {
    expect(() => ec2({ rawConfig: { "security.ssl.internal.enabled": true } })).toThrow(/rawConfig\["security\.ssl\.internal\.enabled"\] switches on a feature that rawConfig cannot wire .*Fix: use the cluster's tls property/);
    for (const [key, value] of [["security.ssl.rest.keystore-password", "hunter2"], ["s3.secret-key", "fake-secret-key"], ["metrics.reporter.influxdb.password", "pw"]]) {
      let message = "";
      try {
        ec2({ rawConfig: { [key]: value } });
      } catch (error) {
        message = String(error);
      }
      expect(message).toMatch(new RegExp(`rawConfig\\["${key.replace(/\./g, "\\.")}"\\] is a password, key or credential given as a literal.*\\(got "\\(a secret, not shown\\)"\\)\\. Fix: give TLS stores through tls`));
      // The message never repeats the secret.
      expect(message).not.toContain(value);
    }
    expect(() => ec2({ rawConfig: { "pipeline.global-job-parameters": "key:-----BEGIN PRIVATE KEY-----abc" } })).toThrow(/is a password, key or credential given as a literal/);
    expect(() => ec2({ rawConfig: { "security.kerberos.login.keytab": "/etc/flink.keytab" } })).toThrow(/Fix: use the cluster's kerberos property/);
    // Switching one off is harmless.
    expect(ec2({ rawConfig: { "security.ssl.internal.enabled": false } }).configuration.entries.get("security.ssl.internal.enabled")).toBe(false);
  });

  test("under the cdktf CLI a cluster's problems are an error annotation, and reading the cluster throws them", () => {
    // The variable alone (a user's shell, not the CLI) keeps the exception.
    asUnderCdktfCli(() => {
      expect(() => new FlinkCluster(new TerraformStack(Testing.app(), "shell"), "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 0 } })).toThrow(/taskManager\.slots/);
    }, { CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" });
    asUnderCdktfCli(() => {
      const stack = new TerraformStack(Testing.app(), "cli");
      const broken = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 0 } });
      const errors = broken.node.metadata.filter((m) => m.type === "@cdktf/error");
      expect(errors.map((m) => [m.data, m.trace])).toEqual([['FlinkCluster "cli/orders":\n  taskManager.slots must be a whole number >= 1 (got 0). Fix: set a whole number >= 1.', undefined]]);
      expect(() => broken.ports).toThrow(/taskManager\.slots must be a whole number >= 1/);
      expect(() => broken.memory).toThrow(/taskManager\.slots must be a whole number >= 1/);
    });
  });

  test("messages: legacy keys as Flink 1.20 reads them, tokens as references, sizes as Flink writes them", () => {
    const stack = new TerraformStack(Testing.app(), "msg");
    expect(() => new FlinkCluster(stack, "a", { version: FlinkVersion.V1_20, rawConfig: { "taskmanager.heap.size": "1g" } })).toThrow(/is a legacy key Flink 1\.20 still maps to total Flink memory/);
    expect(() => new FlinkCluster(stack, "b", { version: FlinkVersion.V2_2, rawConfig: { "metrics.reporter.prom.class": "x" } })).toThrow(/is not a key Flink 2\.2 reads \(removed in 2\.0\)/);
    const bucket = new TerraformVariable(stack, "bucket", { type: "string" }).stringValue;
    expect(() => new FlinkCluster(stack, "c", { version: FlinkVersion.V2_2, rawConfig: { "web.history": bucket } })).toThrow(/\(got a Terraform reference \(known at apply time\)\)/);
    expect(() => new FlinkCluster(stack, "d", { version: FlinkVersion.V2_2, taskManager: { memory: { process: "1000m", taskHeap: "500m", managed: "300m" } } })).toThrow(/less than Total Flink memory 1\.146 gb \(1230329175 bytes\).*between 1\.583 gb \(1700091223 bytes\) and 2\.396 gb \(2572506455 bytes\)/);
  });
});

describe("memory types", () => {
  test("memory.taskManager is typed as known; a token size throws when read, derivedMemory leaves it undefined", () => {
    const stack = new TerraformStack(Testing.app(), "mem");
    const size = new TerraformVariable(stack, "size", { type: "string" }).stringValue;
    const known = new FlinkCluster(stack, "known", { version: FlinkVersion.V2_2, taskManager: { memory: { process: "4g" } } });
    const heap: number = known.memory.taskManager.taskHeap;
    expect(heap).toBe(known.derivedMemory.taskManager!.taskHeap);
    const token = new FlinkCluster(stack, "token", { version: FlinkVersion.V2_2, taskManager: { memory: { process: size } } });
    expect(token.derivedMemory.taskManager).toBeUndefined();
    expect(() => token.memory.taskManager).toThrow(/FlinkCluster "mem\/token": memory\.taskManager is not known at synth time: taskManager\.memory uses a Terraform reference/);
    expect(token.memory.jobManager.totalProcess).toBeGreaterThan(0);
  });
});

describe("the README's error samples", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  const sample = (first: string) => new RegExp("```\\n(" + first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[\\s\\S]*?)\\n```").exec(readme)![1];
  const messageOf = (build: () => unknown) => {
    try {
      build();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected an error");
  };

  test("are the real messages", () => {
    expect(messageOf(() => new FlinkCluster(new TerraformStack(Testing.app(), "analytics"), "orders", { version: FlinkVersion.V2_2, taskManager: { memory: { process: "400m" } } }))).toBe(sample('FlinkCluster "analytics/orders":'));
    expect(messageOf(() => new FlinkCluster(new TerraformStack(Testing.app(), "prod"), "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 0 }, checkpointing: { interval: "5 ms" } }))).toBe(sample('FlinkCluster "prod/orders":'));
  });
});
