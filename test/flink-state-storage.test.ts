import "cdktf/lib/testing/adapters/jest";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformLocal, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { ClusterContribution } from "../lib/cluster-feature";
import { FlinkVersion } from "../lib/config/version";
import { FlinkStateStorage, FlinkStateStorageProps, IFlinkStateStorage } from "../lib/flink-state-storage";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function newStack(): TerraformStack {
  return new TerraformStack(Testing.app(), "analytics");
}

function bind(storage: IFlinkStateStorage, clusterName: string): ClusterContribution {
  return storage.bind({ clusterName, version: FlinkVersion.V2_2 });
}

/** `value` with its tokens resolved to Terraform expressions, read back through a local. */
let probes = 0;
function resolved<T>(stack: TerraformStack, value: T): T {
  const id = `probe_${probes++}`;
  new TerraformLocal(stack, id, value);
  return JSON.parse(Testing.synth(stack)).locals[id];
}

function resolvedBind(storage: FlinkStateStorage, clusterName: string): ClusterContribution {
  return resolved(TerraformStack.of(storage), bind(storage, clusterName));
}

/** The stack's Terraform JSON, parsed. */
function synthJson(stack: TerraformStack): { resource?: Record<string, Record<string, any>> } {
  return JSON.parse(Testing.synth(stack));
}

/** The only resource of a type in the synthesized stack. */
function onlyResource(stack: TerraformStack, type: string): any {
  const resources = Object.values(synthJson(stack).resource?.[type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0];
}

function newStorage(props: FlinkStateStorageProps = {}): { stack: TerraformStack; storage: FlinkStateStorage } {
  const stack = newStack();
  return { stack, storage: new FlinkStateStorage(stack, "state", props) };
}

const BUCKET = "${aws_s3_bucket.state_bucket_803B4E61.bucket}";
const BUCKET_ARN = "${aws_s3_bucket.state_bucket_803B4E61.arn}";
const BUCKET_ID = "${aws_s3_bucket.state_bucket_803B4E61.id}";
const CREATED_KEY_ARN = "${aws_kms_key.state_key_84A4E4B8.arn}";

describe("FlinkStateStorage: the created bucket is secure by default", () => {
  const { stack } = newStorage();
  const synthesized = Testing.synth(stack);

  test("a bucket named from the construct path, kept on destroy", () => {
    expect(synthesized).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "analytics-state-", force_destroy: false });
    expect(onlyResource(stack, "aws_s3_bucket").bucket).toBeUndefined();
  });

  test("a KMS key with rotation and a deletion window, and an alias", () => {
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(synthesized).toHaveResourceWithProperties(KmsAlias, {
      name_prefix: "alias/flink-state/analytics/state-",
      target_key_id: "${aws_kms_key.state_key_84A4E4B8.key_id}",
    });
  });

  test("SSE-KMS default encryption with the bucket key on", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: BUCKET_ID,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: CREATED_KEY_ARN }, bucket_key_enabled: true }],
    });
  });

  test("versioning, every public access block, and ACLs off", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { bucket: BUCKET_ID, versioning_configuration: { status: "Enabled" } });
    expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: BUCKET_ID,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket: BUCKET_ID, rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("a bucket policy that denies every request without TLS 1.2", () => {
    const policy = onlyResource(stack, "aws_s3_bucket_policy");
    expect(policy.bucket).toBe(BUCKET_ID);
    const deny = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] };
    expect(JSON.parse(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DenyInsecureTransport", ...deny, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "DenyOutdatedTls", ...deny, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
      ],
    });
  });

  test("lifecycle rules on the whole bucket for old versions and unfinished uploads, none expiring checkpoints", () => {
    const lifecycle = onlyResource(stack, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.depends_on).toEqual(["aws_s3_bucket_versioning.state_versioning_27DF9ED5"]);
    expect(lifecycle.rule).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrent_version_expiration: [{ noncurrent_days: 7 }],
        expiration: [{ expired_object_delete_marker: true }],
      },
    ]);
  });

  test("no access logging and no data sources", () => {
    expect(synthesized).not.toHaveResource(S3BucketLoggingA);
    expect(synthJson(stack)).not.toHaveProperty("data");
  });
});

describe("FlinkStateStorage: options", () => {
  test("a given name and key: no key is created and the bucket uses the given one", () => {
    const { stack, storage } = newStorage({ bucket: { name: "analytics-flink-state" }, kmsKeyArn: KEY_ARN, forceDestroy: true, tags: { team: "data" } });
    const synthesized = Testing.synth(stack);
    expect(synthesized).toHaveResourceWithProperties(S3Bucket, { bucket: "analytics-flink-state", force_destroy: true, tags: { team: "data" } });
    expect(onlyResource(stack, "aws_s3_bucket").bucket_prefix).toBeUndefined();
    expect(synthesized).not.toHaveResource(KmsKey);
    expect(synthesized).not.toHaveResource(KmsAlias);
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true }],
    });
    expect(storage.kmsKey).toBeUndefined();
    expect(storage.kmsKeyArn).toBe(KEY_ARN);
    expect(resolvedBind(storage, "orders").iamStatements?.find((s) => s.sid === "FlinkStateKms")?.resources).toEqual([KEY_ARN]);
  });

  test("tags reach the created key", () => {
    const { stack } = newStorage({ tags: { team: "data" } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(KmsKey, { tags: { team: "data" } });
  });

  test("a name prefix", () => {
    const { stack } = newStorage({ bucket: { namePrefix: "analytics-flink-" } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "analytics-flink-" });
  });

  test("the derived name prefix fits the provider's 37 characters", () => {
    const stack = new TerraformStack(Testing.app(), "a-very-long-stack-name-for-analytics");
    new FlinkStateStorage(stack, "StateStorageForEveryCluster", {});
    const prefix: string = onlyResource(stack, "aws_s3_bucket").bucket_prefix;
    expect(prefix).toBe("a-very-long-stack-name-for-analytics-");
    expect(prefix.length).toBeLessThanOrEqual(37);
  });

  test("access logging to an existing bucket", () => {
    const { stack } = newStorage({ accessLogging: { bucketName: "analytics-logs" } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(S3BucketLoggingA, { bucket: BUCKET_ID, target_bucket: "analytics-logs", target_prefix: `${BUCKET}/` });
    const withPrefix = newStorage({ accessLogging: { bucketName: "analytics-logs", prefix: "s3/flink/" } });
    expect(Testing.synth(withPrefix.stack)).toHaveResourceWithProperties(S3BucketLoggingA, { target_prefix: "s3/flink/" });
  });

  test("lifecycle days", () => {
    const { stack } = newStorage({ lifecycle: { noncurrentVersionsExpireAfterDays: 30, abortIncompleteUploadsAfterDays: 2 } });
    const rules = onlyResource(stack, "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules[0].abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 2 }]);
    expect(rules[1].noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
  });

  test("token inputs are passed through unchecked", () => {
    const stack = newStack();
    const name = new TerraformVariable(stack, "bucket_name", { type: "string" });
    const key = new TerraformVariable(stack, "key_arn", { type: "string" });
    const days = new TerraformVariable(stack, "days", { type: "number" });
    new FlinkStateStorage(stack, "state", { bucket: { name: name.stringValue }, kmsKeyArn: key.stringValue, lifecycle: { noncurrentVersionsExpireAfterDays: days.numberValue } });
    const imported = FlinkStateStorage.fromBucketName(stack, "imported", name.stringValue, { kmsKeyArn: key.stringValue });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(S3Bucket, { bucket: "${var.bucket_name}" });
    expect(resolved(stack, imported.pathsFor("orders").checkpoints)).toBe("s3://${var.bucket_name}/flink/orders/checkpoints");
  });
});

describe("FlinkStateStorage: binding clusters", () => {
  test("a bound cluster gets its paths, the S3 plugin and least-privilege grants on its prefix only", () => {
    const { storage } = newStorage();
    expect(resolvedBind(storage, "orders")).toEqual({
      property: "stateStorage",
      config: {
        "execution.checkpointing.dir": `s3://${BUCKET}/flink/orders/checkpoints`,
        "execution.checkpointing.savepoint-dir": `s3://${BUCKET}/flink/orders/savepoints`,
      },
      plugins: ["flink-s3-fs-presto"],
      // What check-plan guards: destroying the bucket or its key loses the state.
      statefulResources: { state: [expect.stringMatching(/^aws_s3_bucket\.state_bucket_/), expect.stringMatching(/^aws_kms_key\.state_key_/)] },
      outputs: {
        stateBucket: BUCKET,
        checkpointsUri: `s3://${BUCKET}/flink/orders/checkpoints`,
        savepointsUri: `s3://${BUCKET}/flink/orders/savepoints`,
      },
      iamStatements: [
        {
          sid: "FlinkStateObjects",
          effect: "Allow",
          actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
          resources: [`${BUCKET_ARN}/flink/orders/*`],
        },
        {
          sid: "FlinkStateList",
          effect: "Allow",
          actions: ["s3:ListBucket"],
          resources: [BUCKET_ARN],
          conditions: { StringLike: { "s3:prefix": ["flink/orders/", "flink/orders/*"] } },
        },
        { sid: "FlinkStateBucketLocation", effect: "Allow", actions: ["s3:GetBucketLocation"], resources: [BUCKET_ARN] },
        { sid: "FlinkStateKms", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], resources: [CREATED_KEY_ARN] },
      ],
    });
  });

  test("HA storage is left to the HA feature, under the cluster's prefix", () => {
    const { stack, storage } = newStorage({ prefix: "teams/analytics" });
    expect(resolved(stack, storage.pathsFor("orders"))).toEqual({
      checkpoints: `s3://${BUCKET}/teams/analytics/orders/checkpoints`,
      savepoints: `s3://${BUCKET}/teams/analytics/orders/savepoints`,
      highAvailability: `s3://${BUCKET}/teams/analytics/orders/ha`,
    });
    expect(Object.keys(bind(storage, "orders").config ?? {})).not.toContain("high-availability.storageDir");
  });

  test("two clusters get two prefixes that do not overlap, even when one name starts the other", () => {
    const { storage } = newStorage();
    const orders = resolvedBind(storage, "orders");
    const ordersEu = resolvedBind(storage, "orders-eu");
    const objectResource = (c: ClusterContribution) => c.iamStatements![0].resources[0];
    const listPrefixes = (c: ClusterContribution) => c.iamStatements![1].conditions!.StringLike["s3:prefix"] as string[];
    expect(objectResource(orders)).toBe(`${BUCKET_ARN}/flink/orders/*`);
    expect(objectResource(ordersEu)).toBe(`${BUCKET_ARN}/flink/orders-eu/*`);
    // A wildcard grant must not match the other cluster's keys.
    const matches = (pattern: string, key: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\*/g, ".*")}$`).test(key);
    expect(listPrefixes(orders).some((p) => matches(p, "flink/orders-eu/checkpoints/"))).toBe(false);
    expect(listPrefixes(ordersEu).some((p) => matches(p, "flink/orders/checkpoints/"))).toBe(false);
    expect(matches(objectResource(orders), `${BUCKET_ARN}/flink/orders-eu/checkpoints/x`)).toBe(false);
    expect(orders.config!["execution.checkpointing.dir"]).not.toBe(ordersEu.config!["execution.checkpointing.dir"]);
  });

  test("binding the same cluster name twice is an error", () => {
    const { storage } = newStorage();
    bind(storage, "orders");
    expect(() => bind(storage, "orders")).toThrow(
      'FlinkStateStorage "analytics/state":\n  clusterName is already bound to this state storage: two clusters would share one state folder (got "orders"). Fix: give each cluster its own clusterName.',
    );
  });

  test("a cluster name that is not one safe path segment is an error at bind", () => {
    const { storage } = newStorage();
    expect(() => bind(storage, "../orders")).toThrow(/clusterName must be one path segment .* \(got "\.\.\/orders"\)/);
    expect(() => storage.pathsFor("a/b")).toThrow(/clusterName must be one path segment/);
  });

  test("checkpoint expiry adds one rule per bound cluster on its checkpoints only, sorted", () => {
    const { stack, storage } = newStorage({ lifecycle: { checkpointsExpireAfterDays: 3 } });
    expect(storage.checkpointExpirationDays).toBe(3);
    bind(storage, "payments");
    bind(storage, "orders");
    const rules = onlyResource(stack, "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules.map((r: { id: string }) => r.id)).toEqual([
      "abort-incomplete-multipart-uploads",
      "expire-noncurrent-versions",
      "expire-checkpoints-orders",
      "expire-checkpoints-payments",
    ]);
    expect(rules[2]).toEqual({ id: "expire-checkpoints-orders", status: "Enabled", filter: [{ prefix: "flink/orders/checkpoints/" }], expiration: [{ days: 3 }] });
  });

  test("without checkpoint expiry, bound clusters add no rule", () => {
    const { stack, storage } = newStorage();
    expect(storage.checkpointExpirationDays).toBeUndefined();
    bind(storage, "orders");
    expect(onlyResource(stack, "aws_s3_bucket_lifecycle_configuration").rule).toHaveLength(2);
  });

  test("synth is deterministic", () => {
    const build = () => {
      const { stack, storage } = newStorage({ lifecycle: { checkpointsExpireAfterDays: 3 }, accessLogging: { bucketName: "analytics-logs" } });
      bind(storage, "orders");
      bind(storage, "payments");
      return Testing.synth(stack);
    };
    expect(build()).toBe(build());
  });
});

describe("FlinkStateStorage.fromBucketName", () => {
  test("creates nothing and gives the same paths as a created bucket", () => {
    const stack = newStack();
    const imported = FlinkStateStorage.fromBucketName(stack, "state", "analytics-flink-state");
    bind(imported, "orders");
    expect(synthJson(stack).resource).toBeUndefined();
    expect(imported.kind).toBe("s3");
    expect(imported.baseUri).toBe("s3://analytics-flink-state/flink");
    expect(imported.checkpointExpirationDays).toBeUndefined();
    expect(imported.pathsFor("orders")).toEqual({
      checkpoints: "s3://analytics-flink-state/flink/orders/checkpoints",
      savepoints: "s3://analytics-flink-state/flink/orders/savepoints",
      highAvailability: "s3://analytics-flink-state/flink/orders/ha",
    });
  });

  test("grants the cluster's prefix of the named bucket; no KMS grant when SSE-S3 is assumed", () => {
    const imported = FlinkStateStorage.fromBucketName(newStack(), "state", "analytics-flink-state");
    const contribution = bind(imported, "orders");
    expect(contribution.iamStatements).toEqual([
      {
        sid: "FlinkStateObjects",
        effect: "Allow",
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
        resources: ["arn:aws:s3:::analytics-flink-state/flink/orders/*"],
      },
      {
        sid: "FlinkStateList",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: ["arn:aws:s3:::analytics-flink-state"],
        conditions: { StringLike: { "s3:prefix": ["flink/orders/", "flink/orders/*"] } },
      },
      { sid: "FlinkStateBucketLocation", effect: "Allow", actions: ["s3:GetBucketLocation"], resources: ["arn:aws:s3:::analytics-flink-state"] },
    ]);
    expect(contribution.plugins).toEqual(["flink-s3-fs-presto"]);
    expect(contribution.outputs?.stateBucket).toBe("analytics-flink-state");
  });

  test("a key, a prefix and a partition", () => {
    const kmsKeyArn = "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    const imported = FlinkStateStorage.fromBucketName(newStack(), "state", "analytics-flink-state", { kmsKeyArn, prefix: "state", partition: "aws-cn" });
    const statements = bind(imported, "orders").iamStatements!;
    expect(statements[0].resources).toEqual(["arn:aws-cn:s3:::analytics-flink-state/state/orders/*"]);
    expect(statements[3]).toEqual({ sid: "FlinkStateKms", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], resources: [kmsKeyArn] });
  });
});

describe("FlinkStateStorage.hdfs", () => {
  test("paths under the HDFS folder, Hadoop's configuration folder, no plugin and no grants", () => {
    const stack = newStack();
    const hdfs = FlinkStateStorage.hdfs(stack, "state", { baseUri: "hdfs://namenode:8020/flink" });
    expect(hdfs.kind).toBe("hdfs");
    expect(hdfs.pathsFor("orders")).toEqual({
      checkpoints: "hdfs://namenode:8020/flink/orders/checkpoints",
      savepoints: "hdfs://namenode:8020/flink/orders/savepoints",
      highAvailability: "hdfs://namenode:8020/flink/orders/ha",
    });
    expect(bind(hdfs, "orders")).toEqual({
      property: "stateStorage",
      config: {
        "execution.checkpointing.dir": "hdfs://namenode:8020/flink/orders/checkpoints",
        "execution.checkpointing.savepoint-dir": "hdfs://namenode:8020/flink/orders/savepoints",
        "env.hadoop.conf.dir": "/etc/hadoop/conf",
      },
      outputs: { checkpointsUri: "hdfs://namenode:8020/flink/orders/checkpoints", savepointsUri: "hdfs://namenode:8020/flink/orders/savepoints" },
    });
    expect(synthJson(stack).resource).toBeUndefined();
  });

  test("the default file system and another Hadoop configuration folder", () => {
    const hdfs = FlinkStateStorage.hdfs(newStack(), "state", { baseUri: "hdfs:///flink", hadoopConfDir: "/opt/hadoop/etc/hadoop" });
    expect(bind(hdfs, "orders").config).toMatchObject({ "execution.checkpointing.dir": "hdfs:///flink/orders/checkpoints", "env.hadoop.conf.dir": "/opt/hadoop/etc/hadoop" });
  });
});

describe("FlinkStateStorage: validation", () => {
  const created = (props: FlinkStateStorageProps) => () => newStorage(props);

  test("the message names the construct path, property, value, rule and fix", () => {
    expect(created({ bucket: { name: "My_Bucket" } })).toThrow(
      `FlinkStateStorage "analytics/state":\n  bucket.name must hold only lowercase letters, digits, '.' and '-' (got "My_Bucket"). Fix: set bucket.name to a name such as "analytics-flink-state".`,
    );
  });

  test.each([
    ["ab", /bucket\.name must be 3-63 characters long \(got "ab"\)/],
    ["a".repeat(64), /bucket\.name must be 3-63 characters long/],
    ["-analytics", /bucket\.name must start with a lowercase letter or digit/],
    ["analytics-", /bucket\.name must end with a lowercase letter or digit/],
    ["analytics..state", /bucket\.name must not contain '\.\.'/],
    ["192.168.5.4", /bucket\.name must not be formatted as an IP address/],
    ["xn--analytics", /bucket\.name must not start with 'xn--'/],
    ["sthree-analytics", /bucket\.name must not start with .*'sthree-'/],
    ["analytics-s3alias", /bucket\.name must not end with '-s3alias'/],
    ["analytics--ol-s3", /bucket\.name must not end with .*'--ol-s3'/],
  ])("bucket name %j is refused", (name, message) => {
    expect(created({ bucket: { name } })).toThrow(message);
  });

  test("a bucket name prefix must leave room for the generated suffix", () => {
    expect(created({ bucket: { namePrefix: "a".repeat(38) } })).toThrow(/bucket\.namePrefix must be 1-37 characters long/);
    expect(created({ bucket: { namePrefix: "Analytics" } })).toThrow(/bucket\.namePrefix must hold only lowercase letters/);
  });

  test("name and namePrefix together", () => {
    expect(created({ bucket: { name: "analytics-state", namePrefix: "analytics-" } })).toThrow(/bucket must set name or namePrefix, not both/);
  });

  test.each([
    ["/flink", /prefix must not start or end with '\/'/],
    ["flink/", /prefix must not start or end with '\/'/],
    ["teams//flink", /prefix must be '\/'-separated segments/],
    ["flink state", /prefix must be '\/'-separated segments/],
    ["flink/../other", /prefix must be '\/'-separated segments/],
    ["flink*", /prefix must be '\/'-separated segments/],
    ["", /prefix must be '\/'-separated segments/],
  ])("prefix %j is refused", (prefix, message) => {
    expect(created({ prefix })).toThrow(message);
  });

  test.each([
    ["checkpointsExpireAfterDays", 0],
    ["noncurrentVersionsExpireAfterDays", 1.5],
    ["abortIncompleteUploadsAfterDays", -1],
  ])("lifecycle.%s = %p is refused", (property, days) => {
    expect(created({ lifecycle: { [property]: days } })).toThrow(new RegExp(`lifecycle\\.${property} must be a whole number of days >= 1`));
  });

  test.each(["alias/flink", "1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:123456789012:alias/flink"])("kmsKeyArn %j is refused", (kmsKeyArn) => {
    expect(created({ kmsKeyArn })).toThrow(/kmsKeyArn must be the ARN of a KMS key/);
  });

  test("access logging to a bad or the same bucket", () => {
    expect(created({ accessLogging: { bucketName: "Logs" } })).toThrow(/accessLogging\.bucketName must hold only lowercase letters/);
    expect(created({ bucket: { name: "analytics-state" }, accessLogging: { bucketName: "analytics-state" } })).toThrow(/accessLogging\.bucketName must not be the state bucket itself/);
  });

  test("every problem is reported at once", () => {
    expect(created({ bucket: { name: "ab" }, prefix: "/flink", lifecycle: { checkpointsExpireAfterDays: 0 } })).toThrow(
      /analytics\/state":\n {2}bucket\.name .*\n {2}prefix .*\n {2}lifecycle\.checkpointsExpireAfterDays /,
    );
  });

  test("an imported bucket is checked too", () => {
    const stack = newStack();
    expect(() => FlinkStateStorage.fromBucketName(stack, "a", "Analytics_State")).toThrow(/FlinkStateStorage "analytics\/a":\n {2}bucketName must hold only lowercase letters/);
    expect(() => FlinkStateStorage.fromBucketName(stack, "b", "analytics-state", { prefix: "flink/" })).toThrow(/prefix must not start or end with '\/'/);
    expect(() => FlinkStateStorage.fromBucketName(stack, "c", "analytics-state", { kmsKeyArn: "alias/flink" })).toThrow(/kmsKeyArn must be the ARN of a KMS key/);
    expect(() => FlinkStateStorage.fromBucketName(stack, "d", "analytics-state", { partition: "amazon" })).toThrow(/partition must be an AWS partition/);
  });

  test.each([
    ["s3://analytics/flink", /baseUri must start with hdfs:\/\//],
    ["/flink", /baseUri must start with hdfs:\/\//],
    ["hdfs://namenode:8020", /baseUri must be hdfs:\/\/\[namenode\[:port\]\]\/folder/],
    ["hdfs://namenode:8020/flink/", /baseUri must be hdfs:\/\/\[namenode\[:port\]\]\/folder/],
  ])("HDFS base URI %j is refused", (baseUri, message) => {
    expect(() => FlinkStateStorage.hdfs(newStack(), "state", { baseUri })).toThrow(message);
  });

  test("a relative Hadoop configuration folder is refused", () => {
    expect(() => FlinkStateStorage.hdfs(newStack(), "state", { baseUri: "hdfs:///flink", hadoopConfDir: "conf" })).toThrow(/hadoopConfDir must be an absolute path/);
  });

  test("a dotted bucket name is a warning with a stable id", () => {
    const { storage } = newStorage({ bucket: { name: "analytics.flink.state" } });
    const warnings = storage.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
    expect(warnings).toEqual([expect.stringMatching(/^\[flink:dotted-bucket-name\] bucket\.name "analytics\.flink\.state" contains '\.'/)]);
  });
});
