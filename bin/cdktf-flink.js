#!/usr/bin/env node
/**
 * The package's command line: `npx cdktf-flink <command> [args]`.
 *
 *   plan-offline [--out cdktf.out] [stack ...]   terraform plan without a cloud (docs/planning.md)
 */
"use strict";
const path = require("path");

const COMMANDS = {
  "plan-offline": () => require(path.join(__dirname, "..", "scripts", "plan-offline.js")).main,
};

function usage() {
  return `usage: cdktf-flink <command> [args]\ncommands:\n  plan-offline [--out cdktf.out] [stack ...]   plan synthesized stacks with an offline AWS provider and mock credentials`;
}

const [command, ...args] = process.argv.slice(2);
if (!command || command === "-h" || command === "--help") {
  console.log(usage());
  process.exitCode = command ? 0 : 2;
} else if (!COMMANDS[command]) {
  console.error(`cdktf-flink: unknown command "${command}"\n${usage()}`);
  process.exitCode = 2;
} else {
  process.exitCode = COMMANDS[command]()(args);
}
