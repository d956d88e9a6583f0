/** The variables the cdktf CLI sets for the app it runs (lib/private/report.ts reads them). */
const CLI_VARIABLES = { CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true", CDKTF_OUTDIR: "cdktf.out" } as const;

/** Runs `body` as if the cdktf CLI ran the app, and puts the environment back, also on failure. */
export function asUnderCdktfCli(body: () => void, variables: Partial<typeof CLI_VARIABLES> = CLI_VARIABLES): void {
  const saved = Object.fromEntries(Object.keys(CLI_VARIABLES).map((name) => [name, process.env[name]]));
  for (const name of Object.keys(CLI_VARIABLES)) delete process.env[name];
  Object.assign(process.env, variables);
  try {
    body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
