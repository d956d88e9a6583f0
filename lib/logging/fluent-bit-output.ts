/**
 * Fluent Bit's CloudWatch Logs output (`cloudwatch_logs`). The log group is created by Terraform with
 * its retention, and Fluent Bit is told not to create it (`auto_create_group Off`).
 * @see https://docs.fluentbit.io/manual/pipeline/outputs/cloudwatch
 */
export interface FluentBitCloudWatchOptions {
  /** The region of the log group, e.g. "eu-west-1": the AWS provider's region, where Terraform creates the group. */
  readonly region: string;
  /** The log group: 1-512 letters, digits and `_ - . / #`. @default "/flink/<stack id>/<construct id>" */
  readonly logGroupName?: string;
  /** Days CloudWatch keeps the logs, one of CloudWatch's retention periods. @default 30 */
  readonly retentionDays?: number;
}

/** HTTP basic authentication for a self-managed OpenSearch, the password read from a Secret. */
export interface FluentBitBasicAuth {
  readonly username: string;
  /** A Secret in Fluent Bit's namespace holding the password: it reaches the pod as an environment variable, never the ConfigMap. */
  readonly passwordSecret: { readonly name: string; readonly key?: string };
}

/**
 * Fluent Bit's OpenSearch output (`opensearch`), to Amazon OpenSearch Service (SigV4, with `awsRegion`)
 * or to any OpenSearch cluster.
 * @see https://docs.fluentbit.io/manual/pipeline/outputs/opensearch
 */
export interface FluentBitOpenSearchOptions {
  /** The endpoint's host name, without scheme, port or path, e.g. "search-logs-abc123.eu-west-1.es.amazonaws.com". */
  readonly host: string;
  /** @default 443 with `awsRegion` (Amazon OpenSearch Service listens there), else 9200 */
  readonly port?: number;
  /** The index the records are written to: lowercase, no `\ / * ? " < > | , # :` or spaces, not starting with `- _ +`. */
  readonly index: string;
  /** Sign requests with AWS SigV4 for this region (Amazon OpenSearch Service). @default - no AWS authentication */
  readonly awsRegion?: string;
  /** The service SigV4 signs for: "es" (OpenSearch Service domains) or "aoss" (OpenSearch Serverless). @default "es" */
  readonly awsServiceName?: "es" | "aoss";
  /**
   * The domain's ARN (or the serverless collection's), so that `identity` gets the grant to write to it.
   * @default - no IAM grant: the domain's access policy must admit the role (see FlinkLogShipping.roleArn)
   */
  readonly domainArn?: string;
  /** HTTP basic authentication instead of SigV4. @default - none */
  readonly basicAuth?: FluentBitBasicAuth;
  /** TLS to the endpoint, with the certificate verified. Turn it off only for a test cluster. @default true */
  readonly tls?: boolean;
}

/** Where Fluent Bit sends the records. */
export class FluentBitOutput {
  /** CloudWatch Logs, into a log group this stack creates with a retention. */
  public static cloudWatch(options: FluentBitCloudWatchOptions): FluentBitOutput {
    return new FluentBitOutput("cloudWatch", options, undefined);
  }

  /** An OpenSearch index: Amazon OpenSearch Service with SigV4 when `awsRegion` is set, TLS on by default. */
  public static openSearch(options: FluentBitOpenSearchOptions): FluentBitOutput {
    return new FluentBitOutput("openSearch", undefined, options);
  }

  private constructor(
    public readonly kind: "cloudWatch" | "openSearch",
    public readonly cloudWatch: FluentBitCloudWatchOptions | undefined,
    public readonly openSearch: FluentBitOpenSearchOptions | undefined,
  ) {}
}
