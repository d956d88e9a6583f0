import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { IamStatement } from "../../cluster-feature";
import { Problems } from "../../config/problems";
import { iamPolicyDocument } from "../../private/iam";
import { IFlinkEksCluster } from "./flink-eks-cluster";
import { checkDnsLabel, checkDnsSubdomain } from "../kubernetes/kubernetes-names";
import { reportUnderCdktfCli } from "../../private/report";
import { IAM_ROLE_PREFIX_MAX, namePrefix } from "./name-prefix";

export interface FlinkIrsaRoleProps {
  /** The cluster whose OIDC issuer vouches for the service account. */
  readonly cluster: IFlinkEksCluster;
  /** The service account's namespace (a DNS-1123 label). */
  readonly namespace: string;
  /** The service account's name (a DNS-1123 subdomain). */
  readonly serviceAccount: string;
  /** What the role may do, e.g. the cluster's state storage grants. @default - nothing (no inline policy) */
  readonly statements?: readonly IamStatement[];
  /** Tags of the role. @default - none */
  readonly tags?: Record<string, string>;
}

const STS_AUDIENCE = "sts.amazonaws.com";

/**
 * An IAM role for exactly one Kubernetes service account of one EKS cluster (IAM roles for service
 * accounts): pods running as `system:serviceaccount:<namespace>:<name>` get its credentials through the
 * cluster's OIDC issuer, and no other pod, service account or cluster can assume it. Annotate the
 * service account with `eks.amazonaws.com/role-arn: <roleArn>`.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
export class FlinkIrsaRole extends Construct {
  public readonly role!: IamRole;
  public readonly roleArn!: string;
  /** The inline policy, when statements were given. */
  public readonly policy?: IamRolePolicy;
  /** The subject the trust policy admits: `system:serviceaccount:<namespace>:<name>`. */
  public readonly subject!: string;

  constructor(scope: Construct, id: string, props: FlinkIrsaRoleProps) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const problems = new Problems();
      checkDnsLabel("namespace", props.namespace, problems);
      checkDnsSubdomain("serviceAccount", props.serviceAccount, problems);
      const issuer = props.cluster.oidcIssuerUrl;
      if (!Token.isUnresolved(issuer) && !issuer.startsWith("https://")) {
        problems.error("cluster.oidcIssuerUrl", issuer, "must start with https://", "pass the cluster's OIDC issuer URL as EKS reports it.");
      }
      problems.throwIfErrors(`FlinkIrsaRole "${this.node.path}":`);

      this.subject = `system:serviceaccount:${props.namespace}:${props.serviceAccount}`;
      // IAM names the condition keys by the issuer without its scheme: oidc.eks.<region>.amazonaws.com/id/<id>.
      const issuerHostPath = Token.isUnresolved(issuer) ? Fn.replace(issuer, "https://", "") : issuer.slice("https://".length);

      this.role = new IamRole(this, "role", {
        namePrefix: namePrefix([props.namespace, props.serviceAccount], IAM_ROLE_PREFIX_MAX),
        description: `IRSA role of ${this.subject}`,
        assumeRolePolicy: iamPolicyDocument([
          {
            sid: "ServiceAccountAssumeRole",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: { Federated: props.cluster.oidcProviderArn },
            // StringEquals on both: a StringLike with a wildcard would admit other service accounts.
            conditions: { StringEquals: { [`${issuerHostPath}:sub`]: this.subject, [`${issuerHostPath}:aud`]: STS_AUDIENCE } },
          },
        ]),
        tags: props.tags,
      });
      this.roleArn = this.role.arn;

      const statements = props.statements ?? [];
      if (statements.length > 0) {
        this.policy = new IamRolePolicy(this, "policy", { role: this.role.id, name: "flink", policy: iamPolicyDocument(statements) });
      }
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }
}
