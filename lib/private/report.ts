import { Construct } from "constructs";
import { FlinkConfigError } from "../config/problems";

/**
 * The cdktf CLI runs the app with these set, and reports error annotations itself, once each, after the
 * app has synthesized (and fails the synth); an exception, by contrast, it prints twice with its stack.
 * Both must be set: the first alone (a user's shell) must not turn an error into a quietly smaller stack.
 */
const CLI_REPORTS_ERROR_ANNOTATIONS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";
const CLI_OUTDIR = "CDKTF_OUTDIR";

/**
 * Under the cdktf CLI, a construct's configuration problems become one error annotation on it (without a
 * stack trace), and the CLI fails the synth listing every construct's problems once. Anywhere else (a
 * program, a test) they stay an exception. The construct has then created nothing past the problem, and
 * code that goes on to read one of `fields` gets the problem again, not a TypeError.
 */
export function reportUnderCdktfCli(scope: Construct, error: unknown, fields: readonly string[]): void {
  // cdktf counts the variable as set whatever its value.
  const underCli = process.env[CLI_REPORTS_ERROR_ANNOTATIONS] !== undefined && process.env[CLI_OUTDIR] !== undefined;
  if (!(error instanceof FlinkConfigError) || !underCli) throw error;
  scope.node.addMetadata("@cdktf/error", error.message, { stackTrace: false });
  for (const field of fields) {
    Object.defineProperty(scope, field, {
      get: () => {
        throw error;
      },
    });
  }
}
