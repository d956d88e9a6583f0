/** ZooKeeper's ports as one ensemble uses them. */
export interface ZooKeeperPorts {
  /** Clients (Flink) connect here. */
  readonly client: number;
  /** Followers talk to the leader here. */
  readonly peer: number;
  /** Servers elect a leader here. */
  readonly election: number;
}

export const DEFAULT_ZOOKEEPER_PORTS: ZooKeeperPorts = { client: 2181, peer: 2888, election: 3888 };

export interface ZooCfgInput {
  /** Each server's address, in myid order: server.1 is the first. */
  readonly servers: readonly string[];
  readonly ports: ZooKeeperPorts;
  /** Where the snapshots and `myid` live. */
  readonly dataDir: string;
  /** Where the transaction log lives (ZooKeeper's advice: its own device; here a folder of the data volume). */
  readonly dataLogDir: string;
  /** Bind the quorum ports on every interface: needed where a server's name does not resolve yet when it starts (Kubernetes). */
  readonly listenOnAllIps?: boolean;
}

/** Milliseconds of one tick: ZooKeeper's unit for its limits and the clients' session timeouts (2 to 20 ticks). */
export const TICK_MS = 2000;

/**
 * The `zoo.cfg` of every server of an ensemble (all servers share one file; `myid` tells them apart).
 * It turns on what ZooKeeper leaves off (autopurge), turns off what it leaves on (the admin server on
 * 8080, standalone mode, dynamic reconfiguration) and allows the four-letter words health checks use.
 */
export function renderZooCfg(input: ZooCfgInput): string {
  const lines = [
    "# Written by cdktf-flink. Every server of the ensemble reads this file; its myid file says which server it is.",
    `tickTime=${TICK_MS}`,
    // Followers get 20 s to connect and sync with a new leader, and drop out after 10 s behind.
    "initLimit=10",
    "syncLimit=5",
    `dataDir=${input.dataDir}`,
    `dataLogDir=${input.dataLogDir}`,
    `clientPort=${input.ports.client}`,
    "maxClientCnxns=60",
    // Without these ZooKeeper keeps every snapshot and transaction log until the disk is full.
    "autopurge.snapRetainCount=5",
    "autopurge.purgeInterval=24",
    "admin.enableServer=false",
    "4lw.commands.whitelist=ruok,srvr,mntr",
    "standaloneEnabled=false",
    "reconfigEnabled=false",
    ...(input.listenOnAllIps ? ["quorumListenOnAllIPs=true", "electionPortBindRetry=0"] : []),
    ...input.servers.map((server, i) => `server.${i + 1}=${server}:${input.ports.peer}:${input.ports.election}`),
  ];
  return lines.join("\n") + "\n";
}

/** The `myid` file of server `id` (1-based). */
export function renderMyid(id: number): string {
  return `${id}\n`;
}
