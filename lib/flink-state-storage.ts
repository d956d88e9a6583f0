import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Annotations, Token } from "cdktf";
import { Construct } from "constructs";
import { ClusterContribution, ClusterInfo, IClusterFeature, IamStatement } from "./cluster-feature";
import { Problems } from "./config/problems";
import { reportUnderCdktfCli } from "./private/report";
import { isKmsKeyArn } from "./private/validate";
import { bucketPrefixFromPath, checkBucketName, checkBucketPrefix, warnDottedBucketName } from "./private/bucket-name";
import { terraformAddress } from "./private/terraform-address";

/** Where one cluster keeps its state. */
export interface StatePaths {
  /** For `execution.checkpointing.dir`, e.g. `s3://bucket/flink/orders/checkpoints`. */
  readonly checkpoints: string;
  /** For `execution.checkpointing.savepoint-dir`, e.g. `s3://bucket/flink/orders/savepoints`. */
  readonly savepoints: string;
  /** For `high-availability.storageDir`, e.g. `s3://bucket/flink/orders/ha`; the HA feature sets it. */
  readonly highAvailability: string;
}

/** Durable storage for the checkpoints, savepoints and HA metadata of one or more clusters. */
export interface IFlinkStateStorage extends IClusterFeature {
  /** The file system the state lives on. */
  readonly kind: "s3" | "hdfs";
  /** The URI every cluster's folder lives under: `s3://bucket/<prefix>` or `hdfs://namenode:8020/flink`. */
  readonly baseUri: string;
  /**
   * Days after which current checkpoint objects expire; FlinkCluster cross-checks it against its
   * checkpoint interval and retained count.
   * @default - never
   */
  readonly checkpointExpirationDays?: number;
  /** The KMS key the state is encrypted with (S3), when known: writers that choose a key (EMRFS) use it. */
  readonly kmsKeyArn?: string;
  /** The checkpoint, savepoint and HA URIs of one cluster: `<baseUri>/<clusterName>/{checkpoints,savepoints,ha}`. */
  pathsFor(clusterName: string): StatePaths;
}

/** How the created bucket is named; set at most one. */
export interface FlinkStateBucketOptions {
  /**
   * The bucket's exact name, unique across AWS.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
   * @default - a unique name from `namePrefix`
   */
  readonly name?: string;
  /**
   * A prefix the AWS provider completes with a unique 26-character suffix; at most 37 characters.
   * @default - the construct path, lowercased with other characters turned into '-': "analytics-state-"
   */
  readonly namePrefix?: string;
}

/** How long the created bucket keeps what Flink no longer needs. */
export interface FlinkStateLifecycleOptions {
  /**
   * Days after which current objects under each bound cluster's `checkpoints/` folder expire.
   * Savepoints never expire. Leave unset with incremental RocksDB checkpoints: their shared files stay
   * referenced for as long as the job runs, so expiring them by age deletes live state.
   * @default - checkpoints never expire; Flink deletes the ones it no longer retains
   */
  readonly checkpointsExpireAfterDays?: number;
  /**
   * Days a version stays after it is overwritten or deleted, so a checkpoint deleted by mistake can be restored.
   * @default 7
   */
  readonly noncurrentVersionsExpireAfterDays?: number;
  /**
   * Days after which unfinished multipart uploads (from a failed checkpoint) are aborted and their parts freed.
   * @default 7
   */
  readonly abortIncompleteUploadsAfterDays?: number;
}

/** Server access logging to a bucket that already exists. */
export interface FlinkStateAccessLoggingOptions {
  /**
   * The bucket that receives the logs. It must allow `logging.s3.amazonaws.com` to write and must not
   * use SSE-KMS default encryption (S3 cannot deliver logs to it).
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
   */
  readonly bucketName: string;
  /**
   * The key prefix of the log objects.
   * @default - the state bucket's name followed by "/"
   */
  readonly prefix?: string;
}

export interface FlinkStateStorageProps {
  /**
   * How the bucket is named.
   * @default - a unique name from the construct path (bucket_prefix)
   */
  readonly bucket?: FlinkStateBucketOptions;
  /**
   * The ARN of the KMS key (`arn:aws:kms:<region>:<account>:key/<id>`) that encrypts the bucket.
   * @default - a new key with yearly rotation, a 30-day deletion window and an alias
   */
  readonly kmsKeyArn?: string;
  /**
   * The root key prefix: each cluster's state lies under `<prefix>/<clusterName>/`.
   * @default "flink"
   */
  readonly prefix?: string;
  /** @default - noncurrent versions and incomplete uploads go after 7 days; checkpoints never expire */
  readonly lifecycle?: FlinkStateLifecycleOptions;
  /** @default - no server access logging */
  readonly accessLogging?: FlinkStateAccessLoggingOptions;
  /**
   * Whether `terraform destroy` deletes the bucket with every checkpoint and savepoint in it.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /** Tags for the bucket and the KMS key. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface FlinkStateStorageImportOptions {
  /**
   * The ARN of the KMS key the bucket's default encryption uses; clusters are granted its use.
   * @default - no KMS grant: the bucket is assumed to use SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /** @default "flink" */
  readonly prefix?: string;
  /**
   * The AWS partition of the bucket's ARN.
   * @default "aws"
   */
  readonly partition?: string;
}

export interface FlinkHdfsStateStorageOptions {
  /** The folder every cluster's folder lives under: `hdfs://namenode:8020/flink`, or `hdfs:///flink` for the default file system. */
  readonly baseUri: string;
  /**
   * Where Flink reads `core-site.xml` and `hdfs-site.xml` (`env.hadoop.conf.dir`). Flink also needs
   * Hadoop's classes on its class path (`HADOOP_CLASSPATH`).
   * @default "/etc/hadoop/conf"
   */
  readonly hadoopConfDir?: string;
}

const DEFAULT_PREFIX = "flink";
/** Names the feature in the cluster's messages. */
const CONTRIBUTION_PROPERTY = "stateStorage";
/** Each cluster's folders, under `<baseUri>/<clusterName>/`. */
const CLUSTER_LAYOUT: Readonly<Record<keyof StatePaths, string>> = {
  checkpoints: "checkpoints",
  savepoints: "savepoints",
  highAvailability: "ha",
};
const PATH_SEGMENT = "[A-Za-z0-9_-][A-Za-z0-9._-]*";
const MAX_PREFIX_LENGTH = 256;

const isToken = (value: unknown): boolean => Token.isUnresolved(value);

/** What the created, imported and HDFS kinds share: the per-cluster layout and bind bookkeeping. */
abstract class StateStorageBase extends Construct implements IFlinkStateStorage {
  public abstract readonly kind: "s3" | "hdfs";
  public abstract readonly baseUri: string;
  private readonly boundClusters = new Set<string>();

  public pathsFor(clusterName: string): StatePaths {
    const problems = new Problems();
    checkClusterName(problems, clusterName);
    this.throwIfErrors(problems);
    const clusterUri = `${this.baseUri}/${clusterName}`;
    return {
      checkpoints: `${clusterUri}/${CLUSTER_LAYOUT.checkpoints}`,
      savepoints: `${clusterUri}/${CLUSTER_LAYOUT.savepoints}`,
      highAvailability: `${clusterUri}/${CLUSTER_LAYOUT.highAvailability}`,
    };
  }

  public bind(cluster: ClusterInfo): ClusterContribution {
    const name = cluster.clusterName;
    const problems = new Problems();
    checkClusterName(problems, name);
    if (this.boundClusters.has(name)) {
      problems.error("clusterName", name, "is already bound to this state storage: two clusters would share one state folder", "give each cluster its own clusterName.");
    }
    this.throwIfErrors(problems);
    this.boundClusters.add(name);
    this.clusterBound();
    return this.contributionFor(name, this.pathsFor(name));
  }

  /** The clusters bound so far, sorted so the output does not depend on binding order. */
  protected get boundClusterNames(): string[] {
    return [...this.boundClusters].sort();
  }

  /** Called after a cluster is bound, for resources that cover every bound cluster. */
  protected clusterBound(): void {}

  protected abstract contributionFor(clusterName: string, paths: StatePaths): ClusterContribution;

  /** Throws every error at once, in FlinkCluster's format; emits the warnings otherwise. */
  protected throwIfErrors(problems: Problems): void {
    problems.throwIfErrors(`FlinkStateStorage "${this.node.path}":`);
    for (const warning of problems.warnings) {
      Annotations.of(this).addWarning(`[${warning.id}] ${warning.message}`);
    }
  }
}

/**
 * An S3 bucket for the checkpoints, savepoints and HA metadata of one or more clusters, each under its
 * own prefix (`<prefix>/<clusterName>/`), secure by default: SSE-KMS with a bucket key, versioning,
 * every public access block on, ACLs off, TLS-only access and lifecycle rules that clean up what Flink
 * leaves behind. A bound cluster is granted its own prefix only.
 *
 * `FlinkStateStorage.fromBucketName` imports a bucket; `FlinkStateStorage.hdfs` uses HDFS instead.
 */
export class FlinkStateStorage extends StateStorageBase {
  /** Uses an existing bucket; creates nothing. The bucket name may be a token. */
  public static fromBucketName(scope: Construct, id: string, bucketName: string, options: FlinkStateStorageImportOptions = {}): IFlinkStateStorage {
    return new ImportedS3StateStorage(scope, id, bucketName, options);
  }

  /** Keeps the state on HDFS; creates nothing and grants nothing (HDFS has its own permissions). */
  public static hdfs(scope: Construct, id: string, options: FlinkHdfsStateStorageOptions): IFlinkStateStorage {
    return new HdfsStateStorage(scope, id, options);
  }

  public readonly kind = "s3" as const;
  public readonly baseUri!: string;
  public readonly checkpointExpirationDays?: number;
  /** The bucket's name (a token when the provider completes a prefix). */
  public readonly bucketName!: string;
  public readonly bucketArn!: string;
  /** The root key prefix. */
  public readonly prefix!: string;
  /** The ARN of the key that encrypts the bucket: the created key's or the given one. */
  public readonly kmsKeyArn!: string;

  public readonly bucket!: S3Bucket;
  /** The created key; undefined when `kmsKeyArn` was given. */
  public readonly kmsKey?: KmsKey;
  public readonly kmsAlias?: KmsAlias;
  public readonly encryption!: S3BucketServerSideEncryptionConfigurationA;
  public readonly versioning!: S3BucketVersioningA;
  public readonly publicAccessBlock!: S3BucketPublicAccessBlock;
  public readonly ownershipControls!: S3BucketOwnershipControls;
  public readonly bucketPolicy!: S3BucketPolicy;
  public readonly lifecycleConfiguration!: S3BucketLifecycleConfiguration;
  public readonly accessLoggingConfiguration?: S3BucketLoggingA;

  private readonly lifecycle!: Required<Omit<FlinkStateLifecycleOptions, "checkpointsExpireAfterDays">>;

  constructor(scope: Construct, id: string, props: FlinkStateStorageProps = {}) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const naming = props.bucket ?? {};
      const bucketPrefix = naming.name === undefined ? (naming.namePrefix ?? bucketPrefixFromPath(this.node.path)) : undefined;
      this.prefix = props.prefix ?? DEFAULT_PREFIX;
      this.checkpointExpirationDays = props.lifecycle?.checkpointsExpireAfterDays;
      this.lifecycle = {
        noncurrentVersionsExpireAfterDays: props.lifecycle?.noncurrentVersionsExpireAfterDays ?? 7,
        abortIncompleteUploadsAfterDays: props.lifecycle?.abortIncompleteUploadsAfterDays ?? 7,
      };

      const problems = new Problems();
      if (naming.name !== undefined && naming.namePrefix !== undefined) {
        problems.error("bucket", naming, "must set name or namePrefix, not both", "keep bucket.name for a fixed name, or bucket.namePrefix for a unique generated one.");
      }
      if (naming.name !== undefined && !isToken(naming.name)) {
        checkBucketName(problems, "bucket.name", naming.name);
        warnDottedBucketName(problems, "bucket.name", naming.name);
      }
      if (bucketPrefix !== undefined && !isToken(bucketPrefix)) {
        checkBucketPrefix(problems, "bucket.namePrefix", bucketPrefix);
        warnDottedBucketName(problems, "bucket.namePrefix", bucketPrefix);
      }
      checkRootPrefix(problems, this.prefix);
      if (props.kmsKeyArn !== undefined) checkKmsKeyArn(problems, "kmsKeyArn", props.kmsKeyArn);
      checkDays(problems, "lifecycle.checkpointsExpireAfterDays", this.checkpointExpirationDays);
      checkDays(problems, "lifecycle.noncurrentVersionsExpireAfterDays", this.lifecycle.noncurrentVersionsExpireAfterDays);
      checkDays(problems, "lifecycle.abortIncompleteUploadsAfterDays", this.lifecycle.abortIncompleteUploadsAfterDays);
      const logTarget = props.accessLogging?.bucketName;
      if (logTarget !== undefined && !isToken(logTarget)) {
        checkBucketName(problems, "accessLogging.bucketName", logTarget);
        if (logTarget === naming.name) {
          problems.error("accessLogging.bucketName", logTarget, "must not be the state bucket itself: every log delivery would be logged again", "name a separate log bucket.");
        }
      }
      this.throwIfErrors(problems);

      this.bucket = new S3Bucket(this, "bucket", {
        bucket: naming.name,
        bucketPrefix,
        forceDestroy: props.forceDestroy ?? false,
        tags: props.tags,
      });
      this.bucketName = this.bucket.bucket;
      this.bucketArn = this.bucket.arn;
      this.baseUri = `s3://${this.bucketName}/${this.prefix}`;

      if (props.kmsKeyArn === undefined) {
        // The default key policy lets the account's IAM policies grant use, so the cluster grants suffice.
        const key = new KmsKey(this, "key", {
          description: `Flink checkpoints, savepoints and HA metadata (${this.node.path})`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags: props.tags,
        });
        this.kmsAlias = new KmsAlias(this, "key-alias", {
          namePrefix: `alias/flink-state/${aliasSafe(this.node.path)}-`,
          targetKeyId: key.keyId,
        });
        this.kmsKey = key;
        this.kmsKeyArn = key.arn;
      } else {
        this.kmsKeyArn = props.kmsKeyArn;
      }

      this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
        bucket: this.bucket.id,
        rule: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn },
            // One data key per bucket instead of per object: far fewer KMS calls for Flink's many small files.
            bucketKeyEnabled: true,
          },
        ],
      });
      this.versioning = new S3BucketVersioningA(this, "versioning", {
        bucket: this.bucket.id,
        versioningConfiguration: { status: "Enabled" },
      });
      this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      this.ownershipControls = new S3BucketOwnershipControls(this, "ownership-controls", {
        bucket: this.bucket.id,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      });
      this.bucketPolicy = new S3BucketPolicy(this, "policy", {
        bucket: this.bucket.id,
        policy: JSON.stringify(tlsOnlyPolicy(this.bucketArn)),
        // S3 refuses concurrent changes to one bucket's access settings.
        dependsOn: [this.publicAccessBlock],
      });
      this.lifecycleConfiguration = new S3BucketLifecycleConfiguration(this, "lifecycle", {
        bucket: this.bucket.id,
        rule: this.lifecycleRules(),
        // Noncurrent-version rules on a bucket whose versioning is still being enabled can fail to apply.
        dependsOn: [this.versioning],
      });
      if (props.accessLogging) {
        this.accessLoggingConfiguration = new S3BucketLoggingA(this, "access-logging", {
          bucket: this.bucket.id,
          targetBucket: props.accessLogging.bucketName,
          targetPrefix: props.accessLogging.prefix ?? `${this.bucketName}/`,
        });
      }
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }

  protected override clusterBound(): void {
    // Only the checkpoint expiry rules depend on the bound clusters.
    if (this.checkpointExpirationDays !== undefined) this.lifecycleConfiguration.putRule(this.lifecycleRules());
  }

  protected contributionFor(clusterName: string, paths: StatePaths): ClusterContribution {
    const contribution = s3Contribution({ bucketName: this.bucketName, bucketArn: this.bucketArn, prefix: this.prefix, kmsKeyArn: this.kmsKeyArn }, clusterName, paths);
    // Destroying the bucket or its key loses every checkpoint and savepoint: check-plan refuses it.
    return { ...contribution, statefulResources: { state: (this.kmsKey ? [this.bucket, this.kmsKey] : [this.bucket]).map(terraformAddress) } };
  }

  private lifecycleRules(): S3BucketLifecycleConfigurationRule[] {
    // An empty prefix filter is the whole bucket; the provider warns when the filter is left out.
    const wholeBucket = [{ prefix: "" }];
    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: wholeBucket,
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: this.lifecycle.abortIncompleteUploadsAfterDays }],
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: wholeBucket,
        noncurrentVersionExpiration: [{ noncurrentDays: this.lifecycle.noncurrentVersionsExpireAfterDays }],
        // Flink deletes old checkpoints all the time; drop the delete markers left once their versions expire.
        expiration: [{ expiredObjectDeleteMarker: true }],
      },
    ];
    const days = this.checkpointExpirationDays;
    if (days === undefined) return rules;
    return rules.concat(
      this.boundClusterNames.map((clusterName) => ({
        id: `expire-checkpoints-${clusterName}`,
        status: "Enabled",
        filter: [{ prefix: `${clusterKeyPrefix(this.prefix, clusterName)}${CLUSTER_LAYOUT.checkpoints}/` }],
        expiration: [{ days }],
      })),
    );
  }
}

/** An existing bucket, through `FlinkStateStorage.fromBucketName`. */
class ImportedS3StateStorage extends StateStorageBase {
  public readonly kind = "s3" as const;
  public readonly baseUri!: string;
  public readonly bucketName!: string;
  public readonly bucketArn!: string;
  public readonly prefix!: string;
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, bucketName: string, options: FlinkStateStorageImportOptions) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const partition = options.partition ?? "aws";
      this.prefix = options.prefix ?? DEFAULT_PREFIX;
      this.kmsKeyArn = options.kmsKeyArn;

      const problems = new Problems();
      if (!isToken(bucketName)) {
        checkBucketName(problems, "bucketName", bucketName);
        warnDottedBucketName(problems, "bucketName", bucketName);
      }
      checkRootPrefix(problems, this.prefix);
      if (this.kmsKeyArn !== undefined) checkKmsKeyArn(problems, "kmsKeyArn", this.kmsKeyArn);
      if (!isToken(partition) && !/^aws(-[a-z]+)*$/.test(partition)) {
        problems.error("partition", partition, "must be an AWS partition", 'use "aws", "aws-cn" or "aws-us-gov".');
      }
      this.throwIfErrors(problems);

      this.bucketName = bucketName;
      this.bucketArn = `arn:${partition}:s3:::${bucketName}`;
      this.baseUri = `s3://${bucketName}/${this.prefix}`;
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }

  protected contributionFor(clusterName: string, paths: StatePaths): ClusterContribution {
    return s3Contribution(this, clusterName, paths);
  }
}

/** State on HDFS, through `FlinkStateStorage.hdfs`. */
class HdfsStateStorage extends StateStorageBase {
  public readonly kind = "hdfs" as const;
  public readonly baseUri!: string;
  public readonly hadoopConfDir!: string;

  constructor(scope: Construct, id: string, options: FlinkHdfsStateStorageOptions) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      this.baseUri = options.baseUri;
      this.hadoopConfDir = options.hadoopConfDir ?? "/etc/hadoop/conf";

      const problems = new Problems();
      if (!isToken(this.baseUri)) checkHdfsUri(problems, this.baseUri);
      if (!isToken(this.hadoopConfDir) && !/^\/\S*$/.test(this.hadoopConfDir)) {
        problems.error("hadoopConfDir", this.hadoopConfDir, "must be an absolute path without spaces", 'give a folder such as "/etc/hadoop/conf".');
      }
      this.throwIfErrors(problems);
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }

  protected contributionFor(_clusterName: string, paths: StatePaths): ClusterContribution {
    return {
      property: CONTRIBUTION_PROPERTY,
      config: { ...checkpointKeys(paths), "env.hadoop.conf.dir": this.hadoopConfDir },
      outputs: pathOutputs(paths),
    };
  }
}

interface S3StateLocation {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly prefix: string;
  /** Absent when the bucket uses SSE-S3, which needs no KMS grant. */
  readonly kmsKeyArn?: string;
}

/** Flink keys, the S3 plugin and least-privilege grants for one cluster's prefix of a bucket. */
function s3Contribution(location: S3StateLocation, clusterName: string, paths: StatePaths): ClusterContribution {
  const keyPrefix = clusterKeyPrefix(location.prefix, clusterName);
  const statements: IamStatement[] = [
    {
      sid: "FlinkStateObjects",
      effect: "Allow",
      actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
      resources: [`${location.bucketArn}/${keyPrefix}*`],
    },
    {
      // ListBucket is a bucket action: the s3:prefix condition keeps other clusters' keys out of sight.
      sid: "FlinkStateList",
      effect: "Allow",
      actions: ["s3:ListBucket"],
      resources: [location.bucketArn],
      conditions: { StringLike: { "s3:prefix": [keyPrefix, `${keyPrefix}*`] } },
    },
    {
      // GetBucketLocation carries no s3:prefix, so a prefix condition would always deny it.
      sid: "FlinkStateBucketLocation",
      effect: "Allow",
      actions: ["s3:GetBucketLocation"],
      resources: [location.bucketArn],
    },
  ];
  if (location.kmsKeyArn !== undefined) {
    statements.push({
      sid: "FlinkStateKms",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
      resources: [location.kmsKeyArn],
    });
  }
  return {
    property: CONTRIBUTION_PROPERTY,
    config: checkpointKeys(paths),
    iamStatements: statements,
    plugins: ["flink-s3-fs-presto"],
    outputs: { stateBucket: location.bucketName, ...pathOutputs(paths) },
  };
}

/** HA storage is left to the HA feature, which reads pathsFor().highAvailability. */
function checkpointKeys(paths: StatePaths): Record<string, string> {
  return { "execution.checkpointing.dir": paths.checkpoints, "execution.checkpointing.savepoint-dir": paths.savepoints };
}

function pathOutputs(paths: StatePaths): Record<string, string> {
  return { checkpointsUri: paths.checkpoints, savepointsUri: paths.savepoints };
}

function clusterKeyPrefix(rootPrefix: string, clusterName: string): string {
  return `${rootPrefix}/${clusterName}/`;
}

function tlsOnlyPolicy(bucketArn: string): object {
  const everything = [bucketArn, `${bucketArn}/*`];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: everything,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOutdatedTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: everything,
        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      },
    ],
  };
}

/** KMS alias names allow letters, digits, '/', '_' and '-'. */
function aliasSafe(path: string): string {
  return path.replace(/[^A-Za-z0-9/_-]+/g, "-").slice(0, 200);
}

function checkClusterName(problems: Problems, clusterName: string): void {
  if (!isToken(clusterName) && !new RegExp(`^${PATH_SEGMENT}$`).test(clusterName)) {
    problems.error("clusterName", clusterName, "must be one path segment of letters, digits, '.', '_' and '-', not starting with '.'", 'name the cluster like "orders".');
  }
}

function checkRootPrefix(problems: Problems, prefix: string): void {
  if (isToken(prefix)) return;
  const fix = 'give segments of letters, digits, ".", "_" and "-" joined by "/", such as "flink" or "teams/analytics/flink".';
  if (prefix.startsWith("/") || prefix.endsWith("/")) {
    problems.error("prefix", prefix, "must not start or end with '/'", "drop the leading and trailing '/'.");
  } else if (prefix.length > MAX_PREFIX_LENGTH) {
    problems.error("prefix", prefix, `must be at most ${MAX_PREFIX_LENGTH} characters`, "use a shorter prefix.");
  } else if (!new RegExp(`^${PATH_SEGMENT}(/${PATH_SEGMENT})*$`).test(prefix)) {
    problems.error("prefix", prefix, "must be '/'-separated segments of letters, digits, '.', '_' and '-', none empty or starting with '.'", fix);
  }
}

function checkKmsKeyArn(problems: Problems, property: string, arn: string): void {
  if (!isToken(arn) && !isKmsKeyArn(arn)) {
    problems.error(property, arn, "must be the ARN of a KMS key", "give arn:aws:kms:<region>:<account>:key/<key-id>; an alias or a bare key id cannot scope the IAM grants.");
  }
}

function checkDays(problems: Problems, property: string, days: number | undefined): void {
  if (days !== undefined && !isToken(days) && !(Number.isInteger(days) && days >= 1)) {
    problems.error(property, days, "must be a whole number of days >= 1", "give a whole number such as 7, or leave it unset for the default.");
  }
}

function checkHdfsUri(problems: Problems, uri: string): void {
  if (!uri.startsWith("hdfs://")) {
    problems.error("baseUri", uri, "must start with hdfs://", 'give a URI such as "hdfs://namenode:8020/flink", or use new FlinkStateStorage() for S3.');
  } else if (!new RegExp(`^hdfs://[A-Za-z0-9.:_-]*(/${PATH_SEGMENT})+$`).test(uri)) {
    problems.error("baseUri", uri, "must be hdfs://[namenode[:port]]/folder, with no trailing '/' and path segments of letters, digits, '.', '_' and '-'", 'give a URI such as "hdfs://namenode:8020/flink" or "hdfs:///flink".');
  }
}
