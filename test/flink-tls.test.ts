import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { parse } from "yaml";
import { FlinkCluster, FlinkHA, FlinkKerberos, FlinkTarget, FlinkTls, FlinkTlsProps, FlinkVersion, KerberosSecret, TlsSecret } from "../lib";
import { unescapeTerraformTemplate } from "../lib/private/terraform-text";
import { KubernetesTargetProps } from "../lib/targets/kubernetes/kubernetes-target";
import { EC2_TARGET } from "./fixtures/ec2-target";
import { addExamples } from "./helpers/examples";
import { resourcesOf as all, synthStack } from "./helpers/synth";

const ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:flink/orders-internal-AbCdEf";
const REST_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:flink/orders-rest-AbCdEf";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const K8S_TARGET: KubernetesTargetProps = { namespace: { name: "flink" }, image: "flink:2.3.0-java17", taskManagers: { replicas: 2 } };

function ec2Stack(tls: FlinkTlsProps, version = FlinkVersion.V2_2, count = 1) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, "tls");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    // Several JobManagers need HA: a quorum outside the stack.
    const ha = count > 1 ? new FlinkHA(stack, "ha", { zookeeper: { quorum: { connectString: "zk1:2181", cidrs: ["10.0.0.0/24"] } }, storageDir: "s3://orders-state/ha" }) : undefined;
    new FlinkCluster(stack, "orders", { version, target: FlinkTarget.ec2({ ...EC2_TARGET, jobManager: { instanceType: "m6i.large", count } }), tls: new FlinkTls(stack, "tls", tls), ha });
    return stack;
  });
}

function k8sStack(tls: FlinkTlsProps, target: Partial<KubernetesTargetProps> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, "tls");
    new KubernetesProvider(stack, "kubernetes", {});
    new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, target: FlinkTarget.kubernetes({ ...K8S_TARGET, ...target }), tls: new FlinkTls(stack, "tls", tls) });
    return stack;
  });
}

const configOf = (flinkDir: string) => fs.readFileSync(path.join(flinkDir, "orders", "config.yaml"), "utf8");
const userData = (tf: any, role: "jobmanager" | "taskmanager") => unescapeTerraformTemplate(Object.entries(tf.locals as Record<string, string>).find(([k]) => k.includes(`${role}_user_data`))![1]);

describe("FlinkTls: the keys", () => {
  test.each([FlinkVersion.V1_20, FlinkVersion.V2_3])("Flink %s: stores by path and type, never a password; where each password comes from", (version) => {
    const { flinkDir } = synthStack((app) => {
      const stack = new TerraformStack(app, "tls");
      new FlinkCluster(stack, "orders", {
        version,
        tls: new FlinkTls(stack, "tls", { internal: { secret: TlsSecret.kubernetesSecret("orders-internal") }, rest: { secret: TlsSecret.kubernetesSecret("orders-rest"), mutual: { clientCa: "truststore" } }, protocol: "TLSv1.3" }),
      });
      return stack;
    });
    const text = configOf(flinkDir);
    const config = parse(text);
    expect(config).toMatchObject({
      "security.ssl.internal.enabled": true,
      "security.ssl.internal.keystore": "/run/flink/tls/internal/keystore.p12",
      "security.ssl.internal.truststore": "/run/flink/tls/internal/truststore.p12",
      "security.ssl.internal.keystore-type": "PKCS12",
      "security.ssl.rest.enabled": true,
      "security.ssl.rest.authentication-enabled": true,
      "security.ssl.protocol": "TLSv1.3",
      "security.ssl.algorithms": "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256",
    });
    expect(Object.keys(config).filter((key) => /password/.test(key))).toEqual([]);
    expect(text).toContain("# security.ssl.rest.keystore-password: written at start from Kubernetes Secret orders-rest (pem)\n");
  });
});

describe("FlinkTls on Kubernetes", () => {
  test("an init container builds the stores into memory from the Secret's own keys; Flink reads the config it wrote; REST is probed over https", () => {
    const { tf } = k8sStack({ internal: { secret: TlsSecret.kubernetesSecret("orders-internal") }, rest: { secret: TlsSecret.kubernetesSecret("orders-rest") } });
    const deployment = all(tf, "kubernetes_deployment_v1").find((d) => d.metadata.name.endsWith("jobmanager"))!;
    const spec = deployment.spec.template.spec;
    expect(spec.init_container[0].command).toEqual([
      "/bin/bash",
      "/opt/flink/conf/flink-tls-setup.sh",
      "/opt/flink/conf",
      "/run/flink/conf",
      "security.ssl.internal=pem:/etc/flink-secrets/internal:/run/flink/tls/internal",
      "security.ssl.rest=pem:/etc/flink-secrets/rest:/run/flink/tls/rest",
    ]);
    expect(spec.init_container[0].security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true });
    expect(spec.volume.find((v: any) => v.name === "flink-run").empty_dir).toEqual({ medium: "Memory", size_limit: "16Mi" });
    expect(spec.volume.find((v: any) => v.name === "tls-internal").secret).toEqual({
      secret_name: "orders-internal",
      default_mode: "0440",
      items: ["tls.crt", "tls.key", "ca.crt"].map((key) => ({ key, path: key })),
    });
    const flink = spec.container[0];
    expect(flink.env).toContainEqual({ name: "FLINK_CONF_DIR", value: "/run/flink/conf" });
    expect(flink.volume_mount).toContainEqual({ name: "flink-run", mount_path: "/run/flink", read_only: true });
    // Flink's container sees neither the secrets nor the ConfigMap: only what the init container wrote.
    expect(flink.volume_mount.map((m: any) => m.name)).not.toEqual(expect.arrayContaining(["tls-internal", "config"]));
    expect(flink.readiness_probe.http_get).toEqual({ path: "/config", port: "rest", scheme: "HTTPS" });
    const configMap = all(tf, "kubernetes_config_map_v1").find((m) => m.metadata.name === "orders-config")!;
    expect(Object.keys(configMap.data)).toContain("flink-tls-setup.sh");
    expect(tf.output["orders-rest-url"].value).toMatch(/^https:\/\//);
  });

  test("mutual REST is probed on the port only; a PEM client CA is mounted as client-ca.crt", () => {
    const { tf } = k8sStack({ rest: { secret: TlsSecret.kubernetesSecret("orders-rest"), mutual: { clientCa: { secretKey: "clients.crt" } } } });
    const spec = all(tf, "kubernetes_deployment_v1").find((d) => d.metadata.name.endsWith("jobmanager"))!.spec.template.spec;
    expect(spec.container[0].readiness_probe.tcp_socket).toEqual([{ port: "rest" }]);
    expect(spec.volume.find((v: any) => v.name === "tls-rest").secret.items).toContainEqual({ key: "clients.crt", path: "client-ca.crt" });
  });

  test("cert-manager: a Certificate per store with PKCS12 keystores (Modern2023) and the password from your Secret", () => {
    const secret = TlsSecret.certManager({ issuer: { name: "internal-ca", kind: "ClusterIssuer" }, passwordSecret: { name: "orders-keystore-password" } });
    const { tf } = k8sStack({ internal: { secret } });
    const [certificate] = all(tf, "kubernetes_manifest").map((m) => m.manifest);
    expect(certificate).toMatchObject({
      kind: "Certificate",
      spec: {
        secretName: "orders-internal-tls",
        issuerRef: { name: "internal-ca", kind: "ClusterIssuer" },
        keystores: { pkcs12: { create: true, profile: "Modern2023", passwordSecretRef: { name: "orders-keystore-password", key: "password" } } },
      },
    });
    expect(certificate.spec.dnsNames).toContain("orders-rest.flink.svc");
    const volume = all(tf, "kubernetes_deployment_v1")[0].spec.template.spec.volume.find((v: any) => v.name === "tls-internal");
    expect(volume.projected[0].sources.map((s: any) => s.secret[0].name)).toEqual(["orders-internal-tls", "orders-keystore-password"]);
  });
});

describe("FlinkTls on EC2", () => {
  test("before every start the node reads the secret with its role, builds the stores on tmpfs and starts Flink on the config it wrote", () => {
    const { tf } = ec2Stack({ internal: { secret: TlsSecret.secretsManager(ARN, { kmsKeyArn: KEY_ARN }) }, rest: { secret: TlsSecret.secretsManager(REST_ARN) } });
    const data = parse(userData(tf, "taskmanager").replace(/^#cloud-config\n/, ""));
    const file = (p: string) => data.write_files.find((f: any) => f.path === p);
    const secrets = file("/usr/local/sbin/flink-tls-secrets.sh");
    expect(secrets.permissions).toBe("0700");
    expect(secrets.content).toContain(`fetch pem '${ARN}' /run/flink/secrets/internal\n`);
    expect(secrets.content).toContain("aws secretsmanager get-secret-value --region \"$region\" --secret-id \"$2\" --query SecretString --output text | python3");
    expect(secrets.content).toContain("/usr/local/sbin/flink-tls-setup.sh /etc/flink /run/flink/conf 'security.ssl.internal=pem:/run/flink/secrets/internal:/run/flink/tls/internal'");
    expect(secrets.content).toMatch(/rm -rf \/run\/flink\/secrets\nchown -R flink:flink \/run\/flink\n$/);
    const unit = file("/etc/systemd/system/flink-taskmanager.service").content;
    expect(unit).toContain("ExecStartPre=+/usr/local/sbin/flink-tls-secrets.sh\n");
    expect(unit).toContain("Environment=FLINK_CONF_DIR=/run/flink/conf\n");
    // The role reads these two secrets only, and decrypts only through Secrets Manager.
    const policy = JSON.parse(all(tf, "aws_iam_role_policy")[0].policy);
    expect(policy.Statement.filter((s: any) => /^TlsSecret/.test(s.Sid))).toEqual([
      { Sid: "TlsSecretInternal", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: ARN },
      { Sid: "TlsSecretInternalKey", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN, Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } },
      { Sid: "TlsSecretRest", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: REST_ARN },
    ]);
    expect(tf.output["orders-rest-url"].value).toMatch(/^https:\/\//);
  });

  test("several JobManagers: the load balancer's health check speaks https, or with mutual REST checks the port", () => {
    const https = ec2Stack({ rest: { secret: TlsSecret.secretsManager(REST_ARN) } }, FlinkVersion.V2_2, 2);
    expect(all(https.tf, "aws_lb_target_group")[0].health_check.protocol).toBe("HTTPS");
    const mutual = ec2Stack({ rest: { secret: TlsSecret.secretsManager(REST_ARN), mutual: { clientCa: "truststore" } } }, FlinkVersion.V2_2, 2);
    expect(all(mutual.tf, "aws_lb_target_group")[0].health_check).toMatchObject({ protocol: "TCP" });
    expect(all(mutual.tf, "aws_lb_target_group")[0].health_check.path).toBeUndefined();
  });
});

describe("FlinkTls: bad input fails at synth time with the fix", () => {
  const ec2 = (tls: FlinkTlsProps) => () => ec2Stack(tls);
  const k8s = (tls: FlinkTlsProps, target: Partial<KubernetesTargetProps> = {}) => () => k8sStack(tls, target);
  test.each([
    ["neither internal nor REST", ec2({}), /FlinkTls "tls\/tls":\n  internal\/rest must turn on internal or REST TLS/],
    ["a password instead of a secret", ec2({ internal: { secret: "hunter2" as unknown as TlsSecret } }), /internal\.secret must be a TlsSecret.*\(got "hunter2"\).*Fix: use TlsSecret/s],
    ["a Kubernetes Secret on EC2", ec2({ internal: { secret: TlsSecret.kubernetesSecret("orders") } }), /bound to cluster "orders":\n  internal\.secret is a secret on Kubernetes, which a cluster on ec2 cannot read.*Fix: use TlsSecret\.secretsManager/s],
    ["Secrets Manager on Kubernetes", k8s({ rest: { secret: TlsSecret.secretsManager(REST_ARN) } }), /rest\.secret is a secret on AWS Secrets Manager, which a cluster on kubernetes cannot read/],
    ["a malformed secret ARN", ec2({ internal: { secret: TlsSecret.secretsManager("arn:aws:s3:::bucket") } }), /internal\.secret\.secretArn must be a Secrets Manager secret ARN/],
    ["mutual REST without a client CA", ec2({ rest: { secret: TlsSecret.secretsManager(REST_ARN), mutual: {} as never } }), /rest\.mutual\.clientCa must name the CA that signs REST clients/],
    ["a PEM client CA with a PKCS12 secret", k8s({ rest: { secret: TlsSecret.kubernetesSecret("orders", { format: "pkcs12" }), mutual: { clientCa: { secretKey: "ca" } } } }), /adds a PEM client CA, but a PKCS12 secret brings its truststore as it is/],
    ["TLS 1.2 suites with TLSv1.3", ec2({ internal: { secret: TlsSecret.secretsManager(ARN) }, protocol: "TLSv1.3", algorithms: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] }), /algorithms holds TLS 1\.2 suites while protocol is TLSv1\.3/],
    [
      "REST TLS behind a plain-http ingress backend",
      k8s({ rest: { secret: TlsSecret.kubernetesSecret("orders") } }, { ingress: { host: "flink.example.com" } }),
      /target\.ingress\.annotations must make the ingress controller speak https to the REST Service.*Fix: add "nginx\.ingress\.kubernetes\.io\/backend-protocol": "HTTPS"/s,
    ],
    [
      "mutual REST behind an ingress",
      k8s({ rest: { secret: TlsSecret.kubernetesSecret("orders"), mutual: { clientCa: "truststore" } } }, { ingress: { host: "flink.example.com", annotations: { "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS" } } }),
      /target\.ingress cannot pass REST's mutual TLS through/,
    ],
  ] as Array<[string, () => unknown, RegExp]>)("%s", (_what, build, message) => {
    expect(build).toThrow(message);
  });
});

/**
 * No synthesized file may hold a secret value: every file of every example (Terraform JSON with its
 * user data, the rendered files, ConfigMaps) is read; passwords, private keys and credentials may only
 * be named, never given.
 */
describe("the secret scan", () => {
  const SECRET_VALUE = [
    { what: "a PEM private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a password key with a value", pattern: /^\s*[\w.-]*password\s*:\s*(?!\s*$)(?!#)/im },
    { what: "a password field with a value in JSON", pattern: /"[\w.-]*password"\s*:\s*"[^"$]/i },
    { what: "an AWS secret access key", pattern: /aws_secret_access_key|secret[_-]?access[_-]?key"\s*:\s*"[^"$]/i },
    { what: "a bearer token", pattern: /\bBearer\s+[A-Za-z0-9._-]{20,}/ },
  ];

  test("every file of every example names secrets, never holds one", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-secret-scan-"));
    try {
      const app = new App({ outdir });
      addExamples(app);
      app.synth();
      const files: string[] = [];
      const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : files.push(path.join(dir, e.name))));
      walk(outdir);
      expect(files.length).toBeGreaterThan(20);
      const found: string[] = [];
      let tlsFiles = 0;
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        // User data is base64 inside the Terraform JSON only as an expression; the locals hold it as text.
        if (/security\.ssl\.(internal|rest)\.enabled/.test(text)) tlsFiles++;
        for (const { what, pattern } of SECRET_VALUE) if (pattern.test(text)) found.push(`${path.relative(outdir, file)}: ${what}: ${pattern.exec(text)![0].slice(0, 60)}`);
      }
      expect(found).toEqual([]);
      // The scan saw the TLS examples (EC2 user data and rendered files, Kubernetes ConfigMaps).
      expect(tlsFiles).toBeGreaterThanOrEqual(4);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("the scan finds a secret when one is there", () => {
    const pattern = SECRET_VALUE.find((s) => s.what === "a password key with a value")!.pattern;
    expect(pattern.test("security.ssl.rest.keystore-password: 'hunter2'\n")).toBe(true);
    expect(pattern.test("# security.ssl.rest.keystore-password: written at start from Kubernetes Secret x (pem)\n")).toBe(false);
    expect(SECRET_VALUE[0].pattern.test("-----BEGIN RSA PRIVATE KEY-----")).toBe(true);
  });
});

test("the submit and list commands name REST with https: Flink's client turns REST TLS off for a bare host:port", () => {
  const { tf } = ec2Stack({ rest: { secret: TlsSecret.secretsManager(REST_ARN) } });
  expect(tf.output["orders-submit-job"].value).toMatch(/^flink run -m https:\/\/[^ ]+:8081 <job\.jar>$/);
  expect(tf.output["orders-list-jobs"].value).toMatch(/^flink list -m https:\/\//);
});

describe("FlinkKerberos", () => {
  const KEYTAB_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:flink/keytab-AbCdEf";
  const login = (stack: TerraformStack, secret = KerberosSecret.secretsManager(KEYTAB_ARN)) => new FlinkKerberos(stack, "kerberos", { principal: "flink@EXAMPLE.COM", secret, contexts: ["Client", "KafkaClient"] });

  test("the keytab and krb5.conf reach every node like the TLS stores; Flink logs in with them for the given contexts", () => {
    const { tf, flinkDir } = synthStack((app) => {
      const stack = new TerraformStack(app, "krb");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, target: FlinkTarget.ec2(EC2_TARGET), kerberos: login(stack) });
      return stack;
    });
    expect(parse(configOf(flinkDir))).toMatchObject({
      "security.kerberos.login.keytab": "/run/flink/tls/kerberos/flink.keytab",
      "security.kerberos.login.principal": "flink@EXAMPLE.COM",
      "security.kerberos.login.use-ticket-cache": false,
      "security.kerberos.login.contexts": "Client,KafkaClient",
      "security.kerberos.krb5-conf.path": "/run/flink/tls/kerberos/krb5.conf",
    });
    const secrets = parse(userData(tf, "jobmanager").replace(/^#cloud-config\n/, "")).write_files.find((f: any) => f.path === "/usr/local/sbin/flink-tls-secrets.sh").content;
    expect(secrets).toContain(`fetch kerberos '${KEYTAB_ARN}' /run/flink/secrets/kerberos\n`);
    expect(secrets).toContain("'security.kerberos=kerberos:/run/flink/secrets/kerberos:/run/flink/tls/kerberos'");
    expect(JSON.parse(all(tf, "aws_iam_role_policy")[0].policy).Statement).toContainEqual({ Sid: "KerberosSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: KEYTAB_ARN });
  });

  test("on Kubernetes the Secret's flink.keytab and krb5.conf are mounted for the init container, beside the TLS stores", () => {
    const { tf } = synthStack((app) => {
      const stack = new TerraformStack(app, "krb");
      new KubernetesProvider(stack, "kubernetes", {});
      new FlinkCluster(stack, "orders", {
        version: FlinkVersion.V2_3,
        target: FlinkTarget.kubernetes(K8S_TARGET),
        kerberos: login(stack, KerberosSecret.kubernetesSecret("orders-keytab")),
        tls: new FlinkTls(stack, "tls", { internal: { secret: TlsSecret.kubernetesSecret("orders-internal") } }),
      });
      return stack;
    });
    const spec = all(tf, "kubernetes_deployment_v1")[0].spec.template.spec;
    expect(spec.volume.find((v: any) => v.name === "tls-kerberos").secret.items).toEqual([
      { key: "flink.keytab", path: "flink.keytab" },
      { key: "krb5.conf", path: "krb5.conf" },
    ]);
    expect(spec.init_container[0].command.slice(4)).toEqual([
      "security.ssl.internal=pem:/etc/flink-secrets/internal:/run/flink/tls/internal",
      "security.kerberos=kerberos:/etc/flink-secrets/kerberos:/run/flink/tls/kerberos",
    ]);
  });

  test.each([
    ["a principal without its keytab", (stack: TerraformStack) => new FlinkKerberos(stack, "k", { principal: "flink@EXAMPLE.COM", secret: undefined as unknown as TlsSecret }), /secret must be a keytab and krb5\.conf from a secret: a principal without its keytab cannot log in/],
    ["a TLS secret as the keytab", (stack: TerraformStack) => new FlinkKerberos(stack, "k", { principal: "flink@EXAMPLE.COM", secret: TlsSecret.kubernetesSecret("tls") }), /secret must be a keytab and krb5\.conf/],
    ["a principal without a realm", (stack: TerraformStack) => new FlinkKerberos(stack, "k", { principal: "flink", secret: KerberosSecret.kubernetesSecret("kt") }), /principal must be a Kerberos principal such as flink@EXAMPLE\.COM/],
    ["an unknown context", (stack: TerraformStack) => new FlinkKerberos(stack, "k", { principal: "flink@EXAMPLE.COM", secret: KerberosSecret.kubernetesSecret("kt"), contexts: ["KafkaServer" as never] }), /contexts must name one or more of "Client"/],
    [
      "ZooKeeper SASL without a Kerberos login",
      (stack: TerraformStack) =>
        new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, ha: new FlinkHA(stack, "ha", { zookeeper: { quorum: { connectString: "zk1:2181" }, sasl: {} }, storageDir: "s3://b/ha" }) }),
      /ha logs in to ZooKeeper through the JAAS context Client, which no Kerberos login of the cluster provides.*Fix: set kerberos: new FlinkKerberos/s,
    ],
  ] as Array<[string, (stack: TerraformStack) => unknown, RegExp]>)("%s is an error", (_what, build, message) => {
    expect(() => build(new TerraformStack(new App(), "krb"))).toThrow(message);
  });
});

describe("TlsSecret.generated", () => {
  test("a CA and a node certificate from the tls provider, stored in a Secrets Manager secret the nodes read; the JSON holds only references", () => {
    const { tf, text } = ec2Stack({ internal: { secret: TlsSecret.generated({ validityDays: 90, dnsNames: ["flink.example.com"] }) } });
    expect(Object.keys(tf.provider)).toEqual(expect.arrayContaining(["aws", "tls"]));
    expect(all(tf, "tls_self_signed_cert")).toEqual([expect.objectContaining({ is_ca_certificate: true, validity_period_hours: 2160 })]);
    expect(all(tf, "tls_cert_request")[0].dns_names).toEqual(["*.orders.flink.internal", "flink.example.com"]);
    expect(all(tf, "tls_locally_signed_cert")[0].allowed_uses).toEqual(expect.arrayContaining(["server_auth", "client_auth"]));
    const [version] = all(tf, "aws_secretsmanager_secret_version");
    expect(version.secret_string).toMatch(/^\$\{jsonencode\(\{"tls\.crt" = tls_locally_signed_cert\.[^.]+\.cert_pem, "tls\.key" = tls_private_key\.[^.]+\.private_key_pem, "ca\.crt" = tls_self_signed_cert\.[^.]+\.cert_pem\}\)\}$/);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    // A renewed certificate is a new secret version: it is in the user data, so the nodes roll onto it.
    expect(userData(tf, "taskmanager")).toMatch(/# internal: secret version \$\{aws_secretsmanager_secret_version\.[^.]+\.version_id\}\n/);
    // The node reads that secret, and only it.
    const policy = JSON.parse(all(tf, "aws_iam_role_policy")[0].policy);
    expect(policy.Statement.find((s: any) => s.Sid === "TlsSecretInternal").Resource).toMatch(/^\$\{aws_secretsmanager_secret\.[^.]+\.arn\}$/);
  });

  test("on Kubernetes it is an error pointing at cert-manager", () => {
    expect(() => k8sStack({ internal: { secret: TlsSecret.generated() } })).toThrow(/internal\.secret is stored in Secrets Manager for a cluster on EC2 \(got a cluster on kubernetes\).*Fix: on Kubernetes use TlsSecret\.certManager/s);
  });
});
