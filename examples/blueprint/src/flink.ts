// Where cdktf-flink comes from. In this repository, its sources; in the published package this file is
// `export * from "cdktf-flink";` (test/package.test.ts builds and installs the package that way).
export * from "../../../lib";
