import { DeploymentV1SpecTemplateSpecVolume } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { TlsNeeds, TlsStoreNeeds } from "../../cluster-feature";
import { FINAL_CONF_DIR, TLS_STORE_DIR } from "../../tls/flink-tls";
import { TLS_SOURCE_FILES, tlsSetupArgument } from "../../tls/tls-setup-script";

/** The ConfigMap key of the setup script, beside config.yaml. */
export const TLS_SETUP_KEY = "flink-tls-setup.sh";
/** Where each store's secret files are mounted, read-only, in the init container. */
const SECRETS_DIR = "/etc/flink-secrets";
/** The memory-backed volume that holds the stores and the final config.yaml, under /run/flink. */
const RUN_VOLUME = "flink-run";
const RUN_DIR = "/run/flink";

/** The Secret cert-manager writes a store's certificate and PKCS12 stores into. */
export function certManagerSecretName(cluster: string, purpose: string): string {
  return `${cluster}-${purpose}-tls`;
}

/** The pod pieces that build the stores before Flink starts: volumes, the init container's mounts and command. */
export interface TlsPodParts {
  readonly volumes: DeploymentV1SpecTemplateSpecVolume[];
  /** Mounts of the Flink container: the memory-backed /run/flink, read-only. */
  readonly mainMounts: Array<{ name: string; mountPath: string; readOnly: boolean }>;
  readonly initMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readonly initCommand: string[];
  /** The FLINK_CONF_DIR of the Flink container. */
  readonly confDir: string;
}

/**
 * The stores as an init container builds them: each secret mounted with only the files the script
 * reads (mode 0400), the script from the ConfigMap, and its output in a memory-backed emptyDir.
 */
export function tlsPodParts(cluster: string, tls: TlsNeeds, configVolume: string, renderedDir: string): TlsPodParts {
  const volumes: DeploymentV1SpecTemplateSpecVolume[] = [{ name: RUN_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }];
  const initMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> = [
    { name: configVolume, mountPath: renderedDir, readOnly: true },
    { name: RUN_VOLUME, mountPath: RUN_DIR },
  ];
  for (const store of tls.stores) {
    const name = `tls-${store.purpose}`;
    volumes.push({ name, ...secretVolume(cluster, store) });
    initMounts.push({ name, mountPath: `${SECRETS_DIR}/${store.purpose}`, readOnly: true });
  }
  const args = tls.stores.map((s) => tlsSetupArgument(s.prefix, s.secret.format, `${SECRETS_DIR}/${s.purpose}`, `${TLS_STORE_DIR}/${s.purpose}`));
  return {
    volumes,
    mainMounts: [{ name: RUN_VOLUME, mountPath: RUN_DIR, readOnly: true }],
    initMounts,
    initCommand: ["/bin/bash", `${renderedDir}/${TLS_SETUP_KEY}`, renderedDir, FINAL_CONF_DIR, ...args],
    confDir: FINAL_CONF_DIR,
  };
}

/** Only the keys the script reads, under the names it reads them by. */
function secretVolume(cluster: string, store: TlsStoreNeeds): Omit<DeploymentV1SpecTemplateSpecVolume, "name"> {
  const secret = store.secret;
  const files: string[] = [...TLS_SOURCE_FILES[secret.format]];
  // Read-only secret volumes get group read for the pod's fsGroup (the flink user's group) anyway; say so.
  const mode = "0440";
  if (secret.kind === "certManager") {
    const cm = secret.ref.certManager!;
    return {
      projected: [
        {
          defaultMode: mode,
          sources: [
            { secret: [{ name: certManagerSecretName(cluster, store.purpose), items: ["keystore.p12", "truststore.p12"].map((key) => ({ key, path: key })) }] },
            { secret: [{ name: cm.passwordSecret.name, items: [{ key: cm.passwordSecret.key ?? "password", path: "password" }] }] },
          ],
        },
      ],
    };
  }
  const items: Array<{ key: string; path: string }> = files.map((key) => ({ key, path: key }));
  if (store.clientCaKey) items.push({ key: store.clientCaKey, path: "client-ca.crt" });
  return { secret: { secretName: secret.ref.name, defaultMode: mode, items } };
}

/** cert-manager Certificates for the stores that ask for one, with PKCS12 stores Java 17 reads (Modern2023). */
export function certManagerCertificates(scope: Construct, cluster: string, namespace: string, tls: TlsNeeds, defaultDnsNames: readonly string[], labels: Record<string, string>): void {
  for (const store of tls.stores) {
    const cm = store.secret.ref.certManager;
    if (!cm) continue;
    new Manifest(scope, `${store.purpose === "internal" ? "Internal" : "Rest"}Certificate`, {
      manifest: {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: `${cluster}-${store.purpose}`, namespace, labels },
        spec: {
          secretName: certManagerSecretName(cluster, store.purpose),
          issuerRef: { name: cm.issuer.name, kind: cm.issuer.kind ?? "Issuer", group: "cert-manager.io" },
          dnsNames: [...(cm.dnsNames ?? defaultDnsNames)],
          duration: cm.duration ?? "2160h",
          renewBefore: cm.renewBefore ?? "360h",
          privateKey: { algorithm: "RSA", size: 2048, rotationPolicy: "Always" },
          keystores: { pkcs12: { create: true, profile: "Modern2023", passwordSecretRef: { name: cm.passwordSecret.name, key: cm.passwordSecret.key ?? "password" } } },
        },
      },
    });
  }
}
