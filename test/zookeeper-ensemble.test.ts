import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderedEnsembles } from "./helpers/rendered";
import { TestNetwork, waitFor } from "./helpers/test-hosts";
import { ZOO_CFG_OVERRIDES, ZooKeeperServer, clientPort, describeWithZooKeeper, restartServer, serverMode, startEnsemble, zkCli } from "./helpers/zookeeper";

/**
 * Each rendered zoo.cfg of the examples (with its myid files) starts a real ZooKeeper ensemble, one
 * server per test host: it elects one leader, and a new one after the leader is killed. Overridden:
 * ZOO_CFG_OVERRIDES (addresses and data folders); every other line is as rendered.
 */
const describeZk = describeWithZooKeeper("ZooKeeper ensemble tests (test/zookeeper-ensemble.test.ts)");

describeZk("ZooKeeper ensembles from the rendered zoo.cfg", () => {
  const ensembles = renderedEnsembles().filter((e) => !e.name.startsWith("ec2-ha-1-20/"));

  test("the examples render ensembles for EC2 and Kubernetes", () => {
    expect(ensembles.map((e) => `${e.name} (${e.placement})`)).toEqual(["acme-payments/zookeeper (ec2)", "ec2-ha/zookeeper (ec2)", "kubernetes-ha/zookeeper (kubernetes)", "production-ec2/zookeeper (ec2)"]);
    console.log(`zoo.cfg overrides: ${ZOO_CFG_OVERRIDES.join(", ")}`);
  });

  test.concurrent.each(ensembles.map((e, i) => [e.name, e, i] as const))(
    "%s elects a leader, and a new one when the leader is killed",
    async (_name, ensemble, index) => {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-zk-"));
      // A network of its own per ensemble: they run side by side.
      const network = new TestNetwork(`zk${index}`);
      try {
        const port = clientPort(ensemble.zooCfg);
        const servers = startEnsemble(network, ensemble.zooCfg, ensemble.myids, work);
        expect(servers.map((s) => s.id)).toEqual(Object.keys(ensemble.myids).sort());
        const modes = (alive: ZooKeeperServer[]) => Promise.all(alive.map(async (s) => [s, await serverMode(s.host.address, port)] as const));
        const elected = (alive: ZooKeeperServer[]) =>
          waitFor(`one leader among ${alive.length} servers`, 60_000, async () => {
            const m = await modes(alive);
            const leaders = m.filter(([, mode]) => mode === "leader");
            return leaders.length === 1 && m.filter(([, mode]) => mode === "follower").length === alive.length - 1 ? leaders[0][0] : undefined;
          });
        const leader = await elected(servers);
        // Data written through one server before the leader's loss is read through another after it.
        const address = (s: ZooKeeperServer) => `${s.host.address}:${port}`;
        expect(await zkCli(address(servers[0]), "create", "/cdktf-flink-test", "written-before")).toMatch(/Created \/cdktf-flink-test/);
        await network.kill(leader.child);
        const rest = servers.filter((s) => s !== leader);
        const next = await elected(rest);
        expect((await modes(servers)).find(([s]) => s === leader)![1]).toBeUndefined();
        expect(await zkCli(address(servers.find((s) => s !== leader && s !== next) ?? next), "get", "/cdktf-flink-test")).toMatch(/^written-before$/m);
        // The old leader, started again from its data folder, rejoins as a follower.
        restartServer(network, leader, work);
        await waitFor("the old leader back as a follower", 60_000, async () => ((await serverMode(leader.host.address, port)) === "follower" ? true : undefined));
      } finally {
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    150_000,
  );
});
