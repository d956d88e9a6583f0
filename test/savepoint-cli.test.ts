import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { SavepointError, clusterFromOutputs, main } from "../lib/cli/savepoint";

/**
 * The savepoint command's own logic: finding the cluster in `terraform output -json`, and keeping the
 * savepoints already taken when a later one fails. What Flink does with the requests is proven against
 * real Flink in test/flink-savepoint-real.test.ts; the server below only answers in Flink's REST shapes
 * so that a failure can be made to happen on the second job.
 */

describe("clusterFromOutputs", () => {
  test("reads the rest-url and savepoints-uri outputs of terraform output -json", () => {
    const outputs = { "orders-rest-url": { value: "https://rest.orders.flink.internal:8081", type: "string" }, "orders-savepoints-uri": { value: "s3://b/flink/orders/savepoints" } };
    expect(clusterFromOutputs(outputs, "orders")).toEqual({ restUrl: "https://rest.orders.flink.internal:8081", savepointsUri: "s3://b/flink/orders/savepoints" });
  });

  test("a missing cluster, and an EMR cluster (no REST URL), are explained", () => {
    expect(() => clusterFromOutputs({}, "orders")).toThrow(/the outputs have no orders-rest-url: is orders the cluster's name, and was the stack applied\? Or give --rest-url/);
    expect(() => clusterFromOutputs({ "orders-emr-cluster-id": { value: "j-123" } }, "orders")).toThrow(SavepointError);
    expect(() => clusterFromOutputs({ "orders-emr-cluster-id": { value: "j-123" } }, "orders")).toThrow(/runs on YARN in EMR.*`flink stop -t yarn-session/);
  });
});

describe("a savepoint that fails after another was taken", () => {
  let server: http.Server;
  let url = "";
  beforeAll(async () => {
    // Two running jobs; the second one's savepoint fails.
    server = http.createServer((req, res): void => {
      const reply = (body: unknown, status = 200): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const route = `${req.method} ${req.url}`;
      if (route === "GET /jobs/overview") return reply({ jobs: [{ jid: "a".repeat(32), name: "first", state: "RUNNING" }, { jid: "b".repeat(32), name: "second", state: "RUNNING" }] });
      if (req.method === "POST" && /\/savepoints$/.test(req.url ?? "")) return reply({ "request-id": (req.url ?? "").includes("aaaa") ? "t1" : "t2" }, 202);
      if (route === `GET /jobs/${"a".repeat(32)}/savepoints/t1`) return reply({ status: { id: "COMPLETED" }, operation: { location: "file:/sp/savepoint-aaaaaa-1" } });
      if (route === `GET /jobs/${"b".repeat(32)}/savepoints/t2`) return reply({ status: { id: "COMPLETED" }, operation: { "failure-cause": { class: "java.util.concurrent.CompletionException", "stack-trace": "CheckpointException: Checkpoint expired before completing." } } });
      reply({ errors: ["Not found"] }, 404);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("exits 1 naming the failure, and writes the savepoint already taken", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-sp-")), "savepoints.json");
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(await main(["--rest-url", url, "--timeout", "5", "--out", out])).toBe(1);
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    expect(errors[0]).toMatch(/^cdktf-flink savepoint: the savepoint of job b{32} \(second\) failed: CheckpointException: Checkpoint expired before completing\./);
    const written = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(written.savepoints).toEqual([{ jobId: "a".repeat(32), jobName: "first", location: "file:/sp/savepoint-aaaaaa-1", stopped: false }]);
    expect(written.failed).toMatch(/failed: CheckpointException/);
  });
});
