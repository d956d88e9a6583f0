import { Construct } from "constructs";
import { FlinkConfigError } from "../config/problems";

/**
 * The cdktf CLI runs the app with this set, and reports error annotations itself, once each, after the
 * app has synthesized; an exception, by contrast, it prints twice with its stack.
 */
const CLI_REPORTS_ERROR_ANNOTATIONS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";

/**
 * Under the cdktf CLI, a construct's configuration problems become one error annotation on it (without a
 * stack trace), and the CLI fails the synth listing every construct's problems once. Anywhere else (a
 * program, a test) they stay an exception. The construct has then created nothing past the problem.
 */
export function reportUnderCdktfCli(scope: Construct, error: unknown): void {
  if (!(error instanceof FlinkConfigError) || process.env[CLI_REPORTS_ERROR_ANNOTATIONS] !== "true") throw error;
  scope.node.addMetadata("@cdktf/error", error.message, { stackTrace: false });
}
