#!/usr/bin/env node
/**
 * The package's command line: `npx cdktf-flink <command> [args]`.
 *
 *   plan-offline [--out cdktf.out] [stack ...]   terraform plan without a cloud (docs/planning.md)
 *   savepoint ...                                savepoints of a cluster's running jobs (README "Upgrades")
 *   check-plan <plan.json> ...                   refuse plans that lose state or jobs (README "Plan guard")
 */
"use strict";
const fs = require("fs");
const path = require("path");

/** A command compiled from lib/cli into dist/ (npm run build; the packed package carries it). */
function compiled(name) {
  return () => {
    const file = path.join(__dirname, "..", "dist", "cli", `${name}.js`);
    if (!fs.existsSync(file)) {
      console.error(`cdktf-flink: ${name} is not built here: run npm run build first (${file} is missing)`);
      return () => 2;
    }
    return require(file).main;
  };
}

const COMMANDS = {
  "plan-offline": () => require(path.join(__dirname, "..", "scripts", "plan-offline.js")).main,
  savepoint: compiled("savepoint"),
  "check-plan": compiled("check-plan"),
};

function usage() {
  return [
    "usage: cdktf-flink <command> [args]",
    "commands:",
    "  plan-offline [--out cdktf.out] [stack ...]   plan synthesized stacks with an offline AWS provider and mock credentials",
    "  savepoint --rest-url URL | --outputs FILE --cluster NAME [--stop] ...   savepoint (or stop with a savepoint) every running job",
    "  check-plan <plan.json> [--acknowledge rule:cluster=reason ...]   refuse a terraform plan that loses state or jobs",
  ].join("\n");
}

const [command, ...args] = process.argv.slice(2);
if (!command || command === "-h" || command === "--help") {
  console.log(usage());
  process.exitCode = command ? 0 : 2;
} else if (!COMMANDS[command]) {
  console.error(`cdktf-flink: unknown command "${command}"\n${usage()}`);
  process.exitCode = 2;
} else {
  Promise.resolve(COMMANDS[command]()(args)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`cdktf-flink ${command}: ${error && error.stack ? error.stack : error}`);
      process.exitCode = 1;
    },
  );
}
