import { stringify } from "yaml";
import { FLINK_UID, pluginCopyCommands, shellQuote } from "../flink-process";
import { systemUserCommands, verifiedTarballCommands } from "../../private/install-commands";
import { FlinkRuntime } from "./runtime";
import { TlsNeeds } from "../../cluster-feature";
import { FINAL_CONF_DIR, TLS_STORE_DIR } from "../../tls/flink-tls";
import { TLS_SETUP_SCRIPT, TLS_SOURCE_FILES, tlsSetupArgument } from "../../tls/tls-setup-script";
import { eventStartRegex, readRenderedLogging } from "../../config/render";

/** How long systemd waits before starting a crashed Flink process again. */
export const RESTART_SEC = 10;

/** Where the nodes keep Flink's configuration (FLINK_CONF_DIR) and logs. */
export const CONF_DIR = "/etc/flink";
export const LOG_DIR = "/var/log/flink";
/** EC2 accepts at most 16 KiB of user data. */
export const USER_DATA_LIMIT = 16384;
const CLOUDWATCH_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/flink.json";

export type FlinkRole = "jobmanager" | "taskmanager";

export interface NodeSetup {
  readonly role: FlinkRole;
  readonly runtime: FlinkRuntime;
  /** Files written to CONF_DIR, by name: config.yaml, log4j-console.properties. */
  readonly files: Readonly<Record<string, string>>;
  /** Plugins from Flink's opt/ to enable, by jar base name. */
  readonly plugins: readonly string[];
  /** Local directories Flink writes to (RocksDB), created for the flink user. */
  readonly localDirs: readonly string[];
  /** The CloudWatch log group Flink's log files are shipped to. */
  readonly logGroupName: string;
  /**
   * The JobManager announces the instance's own address (one of several JobManagers under HA): read at
   * first boot from the instance metadata (IMDSv2) into NODE_ENV, passed as -D options.
   * @default false
   */
  readonly announceOwnAddress?: boolean;
  /** TLS: the stores fetched from Secrets Manager and built at every start, before Flink. @default - none */
  readonly tls?: TlsNeeds;
}

const TLS_SETUP = "/usr/local/sbin/flink-tls-setup.sh";
const TLS_SECRETS = "/usr/local/sbin/flink-tls-secrets.sh";
/** Where the secret files lie while the stores are built; removed right after. */
const SECRETS_DIR = "/run/flink/secrets";

/**
 * Runs as root before every start: reads each store's secret with the instance role (the value goes
 * through a pipe, never a command line or a file outside /run), builds the stores and the config.yaml
 * with their passwords (tmpfs, mode 0600, the flink user's), and removes the secret files again. A
 * new secret version takes effect at the next start.
 */
function tlsSecretsScript(tls: TlsNeeds): string {
  const lines = [
    "#!/bin/bash",
    "# Fetches Flink's TLS secrets and builds its stores and config.yaml (cdktf-flink); runs before every start.",
    "set -euo pipefail",
    "umask 077",
    `rm -rf /run/flink && mkdir -p ${SECRETS_DIR}`,
    "fetch() {",
    '  region=$(echo "$2" | cut -d: -f4)',
    '  mkdir -p "$3"',
    '  aws secretsmanager get-secret-value --region "$region" --secret-id "$2" --query SecretString --output text | python3 -c "$FETCH_PY" "$1" "$3" "${4:-}"',
    "}",
    // Writes the secret's JSON entries the format needs as files; .p12 and .keytab entries are base64.
    `FETCH_PY='
import base64, json, os, sys
files = ${JSON.stringify(TLS_SOURCE_FILES)}[sys.argv[1]]
entries = json.load(sys.stdin)
wanted = {name: name for name in files}
if sys.argv[3]:
    wanted[sys.argv[3]] = "client-ca.crt"
for key, name in wanted.items():
    if key not in entries:
        sys.exit("flink-tls-secrets: the secret has no entry " + key)
    value = entries[key]
    data = base64.b64decode(value) if name.endswith((".p12", ".keytab")) else value.encode()
    with open(os.path.join(sys.argv[2], name), "wb") as out:
        out.write(data)
'`,
  ];
  for (const store of tls.stores) {
    // A version this stack manages: a new one changes the user data, which rolls the instances.
    if (store.secret.ref.versionId) lines.push(`# ${store.purpose}: secret version ${store.secret.ref.versionId}`);
    lines.push(`fetch ${store.secret.format} ${shellQuote(store.secret.ref.secretArn!)} ${SECRETS_DIR}/${store.purpose}${store.clientCaKey ? ` ${shellQuote(store.clientCaKey)}` : ""}`);
  }
  const args = tls.stores.map((st) => shellQuote(tlsSetupArgument(st.prefix, st.secret.format, `${SECRETS_DIR}/${st.purpose}`, `${TLS_STORE_DIR}/${st.purpose}`)));
  lines.push(`${TLS_SETUP} ${CONF_DIR} ${FINAL_CONF_DIR} ${args.join(" ")}`, `rm -rf ${SECRETS_DIR}`, "chown -R flink:flink /run/flink");
  return lines.join("\n") + "\n";
}

/** Holds FLINK_NODE_ADDRESS, the instance's private address, for a JobManager that announces it. */
export const NODE_ENV = `${CONF_DIR}/node.env`;
/** The keys a JobManager of several sets to its own address on its command line. */
export const OWN_ADDRESS_KEYS = ["jobmanager.rpc.address", "rest.address"];

const serviceName = (role: FlinkRole) => `flink-${role}`;

function installScript(setup: NodeSetup): string {
  const { runtime } = setup;
  const dirs = [LOG_DIR, ...setup.localDirs].map(shellQuote).join(" ");
  const lines = [
    "#!/bin/bash",
    "# Installs Flink for cdktf-flink; runs once, at first boot.",
    "set -euo pipefail",
    "dnf install -y amazon-cloudwatch-agent",
    ...systemUserCommands("flink", FLINK_UID, "/opt/flink"),
  ];
  if (runtime.kind === "tarball") {
    const o = runtime.options;
    const home = `/opt/flink-${o.release}`;
    lines.push(
      `dnf install -y ${shellQuote(o.javaPackage ?? "java-17-amazon-corretto-headless")}`,
      ...verifiedTarballCommands(o.url!, o.sha512!, "flink.tgz", home),
      ...pluginCopyCommands(home, setup.plugins),
      `chown -R flink:flink ${home}`,
      `ln -sfn ${home} /opt/flink`,
    );
  } else {
    lines.push("dnf install -y docker", "systemctl enable --now docker", `docker pull ${shellQuote(runtime.options.image!)}`);
    // The TLS setup builds the stores on the host, with the JDK's keytool.
    if (setup.tls) lines.push("dnf install -y java-17-amazon-corretto-headless");
  }
  if (setup.announceOwnAddress) {
    lines.push(
      "token=$(curl -fsS --retry 5 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
      'address=$(curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/local-ipv4)',
      '[ -n "$address" ] || { echo "no private address from the instance metadata" >&2; exit 1; }',
      `echo "FLINK_NODE_ADDRESS=$address" > ${NODE_ENV}`,
    );
  }
  lines.push(
    `mkdir -p ${dirs}`,
    `chown flink:flink ${dirs}`,
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${CLOUDWATCH_CONFIG}`,
  );
  return lines.join("\n") + "\n";
}

function systemdUnit(setup: NodeSetup): string {
  const { role, runtime } = setup;
  // jobmanager.sh takes its options only as "-D key=value", two arguments (a single "-Dkey=value" is read as a host).
  const ownAddress = setup.announceOwnAddress ? OWN_ADDRESS_KEYS.map((key) => ` -D ${key}=\${FLINK_NODE_ADDRESS}`).join("") : "";
  const script = `${role}.sh start-foreground${ownAddress}`;
  const service: string[] = setup.announceOwnAddress ? [`EnvironmentFile=${NODE_ENV}`] : [];
  // "+": as root, though the service runs as flink; before every start, so a restart reads the secret again.
  if (setup.tls) service.push(`ExecStartPre=+${TLS_SECRETS}`);
  const confDir = setup.tls ? FINAL_CONF_DIR : CONF_DIR;
  const unit = [`Description=Apache Flink ${role === "jobmanager" ? "JobManager" : "TaskManager"} (cdktf-flink)`, "After=network-online.target", "Wants=network-online.target"];
  if (runtime.kind === "tarball") {
    service.push("User=flink", "Group=flink", `Environment=FLINK_CONF_DIR=${confDir}`, `Environment=FLINK_LOG_DIR=${LOG_DIR}`, `ExecStart=/opt/flink/bin/${script}`);
  } else {
    const name = serviceName(role);
    // The image's entry point rewrites config.yaml; starting the script directly keeps ours byte for byte.
    const start = [...pluginCopyCommands("/opt/flink", setup.plugins), `exec /opt/flink/bin/${script}`].join(" && ");
    const volumes = [`${confDir}:/opt/flink/conf:ro`, ...(setup.tls ? [`${TLS_STORE_DIR}:${TLS_STORE_DIR}:ro`] : []), `${LOG_DIR}:/opt/flink/log`, ...setup.localDirs.map((d) => `${d}:${d}`)];
    unit.push("After=docker.service", "Requires=docker.service");
    service.push(
      `ExecStartPre=-/usr/bin/docker rm -f ${name}`,
      [
        `ExecStart=/usr/bin/docker run --rm --name ${name} --network host --user ${FLINK_UID}:${FLINK_UID}`,
        ...volumes.map((v) => `-v ${v}`),
        `--entrypoint /bin/bash ${runtime.options.image} -c "${start}"`,
      ].join(" "),
      `ExecStop=/usr/bin/docker stop ${name}`,
    );
  }
  service.push("Restart=on-failure", `RestartSec=${RESTART_SEC}`);
  return ["[Unit]", ...unit, "", "[Service]", ...service, "", "[Install]", "WantedBy=multi-user.target", ""].join("\n");
}

/**
 * Ships Flink's log files to CloudWatch Logs, one stream per instance and role. With the JSON layout
 * every line is one event (Logs Insights discovers its fields); with a pattern that starts with a date,
 * a line that does not start with one (a stack trace's) belongs to the event before it.
 */
export function cloudWatchAgentConfig(setup: Pick<NodeSetup, "files" | "logGroupName" | "role">): string {
  const logging = readRenderedLogging(setup.files["log4j-console.properties"] ?? "");
  const start = logging.format === "pattern" ? eventStartRegex(logging.pattern) : undefined;
  const collect = {
    file_path: `${LOG_DIR}/*.log`,
    log_group_name: setup.logGroupName,
    log_stream_name: `{instance_id}/${setup.role}`,
    ...(start ? { multi_line_start_pattern: start } : {}),
  };
  return JSON.stringify({ logs: { logs_collected: { files: { collect_list: [collect] } } } }, null, 2) + "\n";
}

/**
 * The cloud-config user data of one node: Flink's files, an install script, the CloudWatch agent's
 * configuration, and a systemd unit that restarts Flink on failure and starts it at boot.
 */
export function renderUserData(setup: NodeSetup): string {
  const service = serviceName(setup.role);
  const config = {
    write_files: [
      ...Object.keys(setup.files)
        .sort()
        // Verbatim, not base64: Terraform fills in references (the state bucket) inside them.
        .map((name) => ({ path: `${CONF_DIR}/${name}`, permissions: "0644", content: setup.files[name] })),
      { path: CLOUDWATCH_CONFIG, permissions: "0644", content: cloudWatchAgentConfig(setup) },
      { path: "/usr/local/sbin/flink-install.sh", permissions: "0755", content: installScript(setup) },
      { path: `/etc/systemd/system/${service}.service`, permissions: "0644", content: systemdUnit(setup) },
      ...(setup.tls
        ? [
            { path: TLS_SETUP, permissions: "0755", content: TLS_SETUP_SCRIPT },
            { path: TLS_SECRETS, permissions: "0700", content: tlsSecretsScript(setup.tls) },
          ]
        : []),
    ],
    // One command, so that a failed install does not leave a unit restarting forever over the cause.
    runcmd: [["sh", "-c", `/usr/local/sbin/flink-install.sh && systemctl daemon-reload && systemctl enable --now ${service}.service`]],
  };
  return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
