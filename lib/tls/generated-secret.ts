import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { Fn, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ClusterInfo } from "../cluster-feature";
import { TlsSecret } from "./tls-secret";

const PROVIDER_ID = "FlinkTlsProvider";

/**
 * Makes a generated secret concrete for one cluster: a CA and a node certificate signed by it (RSA,
 * for Flink's default ECDHE-RSA suites; server and client use, since internal TLS is mutual), stored as
 * PEM files in a Secrets Manager secret (EC2; on Kubernetes cert-manager does this job). Only
 * references reach the Terraform JSON; the keys are in the state.
 */
export function generatedSecret(scope: Construct, purpose: string, cluster: ClusterInfo, secret: TlsSecret): TlsSecret {
  const options = secret.ref.generated ?? {};
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild(PROVIDER_ID)) new TlsProvider(stack, PROVIDER_ID, {});
  const name = cluster.clusterName;
  const hours = (options.validityDays ?? 365) * 24;
  // The names the EC2 target gives the JobManager and the REST address, in the default zone.
  const own = [`*.${name}.flink.internal`];
  const caKey = new PrivateKey(scope, `${purpose}-ca-key`, { algorithm: "RSA", rsaBits: 3072 });
  const ca = new SelfSignedCert(scope, `${purpose}-ca`, {
    privateKeyPem: caKey.privateKeyPem,
    isCaCertificate: true,
    validityPeriodHours: hours,
    allowedUses: ["cert_signing", "crl_signing"],
    subject: [{ commonName: `Flink ${name} ${purpose} CA`, organization: "cdktf-flink" }],
  });
  const key = new PrivateKey(scope, `${purpose}-key`, { algorithm: "RSA", rsaBits: 2048 });
  const request = new CertRequest(scope, `${purpose}-request`, { privateKeyPem: key.privateKeyPem, dnsNames: [...own, ...(options.dnsNames ?? [])], subject: [{ commonName: `flink-${name}`, organization: "cdktf-flink" }] });
  const cert = new LocallySignedCert(scope, `${purpose}-cert`, {
    certRequestPem: request.certRequestPem,
    caPrivateKeyPem: caKey.privateKeyPem,
    caCertPem: ca.certPem,
    validityPeriodHours: hours,
    earlyRenewalHours: 30 * 24,
    allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
  });
  const files = { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem, "ca.crt": ca.certPem };
  const sm = new SecretsmanagerSecret(scope, `${purpose}-secret`, { namePrefix: `flink/${name}/${purpose}-tls-`, description: `Flink ${name}: generated ${purpose} TLS certificate (PEM)` });
  const version = new SecretsmanagerSecretVersion(scope, `${purpose}-secret-version`, { secretId: sm.id, secretString: Fn.jsonencode(files) });
  // A renewed certificate is a new version, which rolls the nodes.
  return TlsSecret.secretsManager(sm.arn, { versionId: version.versionId });
}
