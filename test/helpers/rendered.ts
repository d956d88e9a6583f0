import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { CATALOGED_VERSIONS, CatalogedVersion, FlinkCluster, FlinkHA, FlinkKerberos, FlinkTls, FlinkVersion, KerberosSecret, TlsSecret } from "../../lib";
import { SETTINGS_FIXTURES } from "../fixtures/settings";
import { ec2HaStack } from "../../examples/ec2-ha/main";
import { addExamples } from "./examples";

/** One synthesized cluster's files, as a target would carry them to the nodes. */
export interface RenderedCluster {
  /** `<stack>/<clusterName>` */
  readonly name: string;
  readonly line: CatalogedVersion;
  readonly configYaml: string;
  readonly log4jProperties: string;
  readonly memory: { taskManager?: Record<string, number>; jobManager?: Record<string, number> };
  /** Every file of the cluster's folder by name, monitoring's among them. */
  readonly files: Readonly<Record<string, string>>;
}

/** One synthesized ZooKeeper ensemble's files, as its servers receive them. */
export interface RenderedEnsemble {
  /** `<stack>/<name>` */
  readonly name: string;
  readonly placement: string;
  readonly zooCfg: string;
  /** myid contents by server id. */
  readonly myids: Readonly<Record<string, string>>;
}

export const FIXTURES_STACK = "real-flink-fixtures";
/** The defaults fixture with FlinkTls, for the real TLS test. */
export const TLS_FIXTURES_STACK = "real-flink-tls-fixtures";
/** The ec2-ha example's stack rendered for Flink 1.20 (the example itself is for the newest line). */
export const EC2_HA_1_20_STACK = "ec2-ha-1-20";

let rendered: { clusters: RenderedCluster[]; ensembles: RenderedEnsemble[] } | undefined;

/** Every ZooKeeper ensemble of the examples, as `cdktf synth` writes its files. */
export function renderedEnsembles(): readonly RenderedEnsemble[] {
  return render().ensembles;
}

/**
 * Every cluster of the examples, and each settings fixture at every cataloged version (stack
 * `real-flink-fixtures`), as `cdktf synth` writes them; synthesized once per test file.
 */
export function renderedClusters(): readonly RenderedCluster[] {
  return render().clusters;
}

function render(): { clusters: RenderedCluster[]; ensembles: RenderedEnsemble[] } {
  if (rendered) return rendered;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-rendered-"));
  try {
    const app = new App({ outdir });
    addExamples(app);
    ec2HaStack(app, EC2_HA_1_20_STACK, FlinkVersion.V1_20);
    const fixtures = new TerraformStack(app, FIXTURES_STACK);
    for (const version of CATALOGED_VERSIONS) {
      for (const [name, settings] of Object.entries(SETTINGS_FIXTURES)) {
        const clusterName = `${name}-${version.replace(".", "-")}`;
        new FlinkCluster(fixtures, clusterName, { ...settings, version: FlinkVersion.of(version), clusterName });
      }
    }
    // TLS as FlinkTls renders it, for the real TLS test: the defaults with internal and REST TLS (TLSv1.3),
    // and with mutual REST.
    const tlsFixtures = new TerraformStack(app, TLS_FIXTURES_STACK);
    for (const version of ["1.20", "2.3"] as const) {
      for (const mutual of [false, true]) {
        const clusterName = `tls${mutual ? "-mutual" : ""}-${version.replace(".", "-")}`;
        const tls = new FlinkTls(tlsFixtures, `${clusterName}-tls`, {
          internal: { secret: TlsSecret.kubernetesSecret("flink-internal") },
          rest: { secret: TlsSecret.kubernetesSecret("flink-rest"), mutual: mutual ? { clientCa: { secretKey: "client-ca.crt" } } : undefined },
          protocol: "TLSv1.3",
        });
        new FlinkCluster(tlsFixtures, clusterName, { ...SETTINGS_FIXTURES.defaults, version: FlinkVersion.of(version), clusterName, tls });
      }
      // Kerberos as FlinkKerberos renders it, with ZooKeeper SASL: Flink reads every key (test/real-flink.test.ts).
      const kerberosName = `kerberos-${version.replace(".", "-")}`;
      new FlinkCluster(tlsFixtures, kerberosName, {
        ...SETTINGS_FIXTURES.defaults,
        version: FlinkVersion.of(version),
        clusterName: kerberosName,
        kerberos: new FlinkKerberos(tlsFixtures, `${kerberosName}-login`, { principal: "flink@EXAMPLE.COM", secret: KerberosSecret.kubernetesSecret("flink-keytab"), contexts: ["Client", "KafkaClient"] }),
        ha: new FlinkHA(tlsFixtures, `${kerberosName}-ha`, { zookeeper: { quorum: { connectString: "zk1:2181" }, sasl: { serviceName: "zookeeper" }, acl: "creator" }, storageDir: "s3://fixture-state/ha" }),
      });
    }
    app.synth();
    const clusters: RenderedCluster[] = [];
    const ensembles: RenderedEnsemble[] = [];
    for (const stack of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
      const flinkDir = path.join(outdir, "stacks", stack, "flink");
      if (!fs.existsSync(flinkDir)) continue;
      const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
      for (const cluster of manifest.clusters) {
        const read = (file: string) => fs.readFileSync(path.join(flinkDir, cluster.files[file]), "utf8");
        clusters.push({
          name: `${stack}/${cluster.name}`,
          line: FlinkVersion.of(cluster.flinkVersion).catalog!,
          configYaml: read("config.yaml"),
          log4jProperties: read("log4j-console.properties"),
          memory: JSON.parse(read("memory.json")),
          files: Object.fromEntries(Object.keys(cluster.files).map((file) => [file, read(file)])),
        });
      }
      for (const ensemble of manifest.zookeeperEnsembles ?? []) {
        const read = (file: string) => fs.readFileSync(path.join(flinkDir, ensemble.files[file]), "utf8");
        const myids = Object.fromEntries(Object.keys(ensemble.files).filter((f) => f.startsWith("myid-")).map((f) => [f.slice(5), read(f)]));
        ensembles.push({ name: `${stack}/${ensemble.name}`, placement: ensemble.placement, zooCfg: read("zoo.cfg"), myids });
      }
    }
    rendered = { clusters, ensembles };
    return rendered;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
