// `./dev up`: runs MediaBot on this machine. Creates the database if needed, migrates the event
// store, starts an embedded S3 (unless S3_ENDPOINT is given), the sample media server, the relay
// and every service as separate processes with readable logs, and, without TELEGRAM_BOT_TOKEN,
// the fake Bot API with the sandbox chat page. Ctrl-C stops everything. See docs/getting-started.md.
import { runFromCommandLine } from '../packages/sandbox/src/local-run/run.ts';

await runFromCommandLine();
