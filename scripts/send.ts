/**
 * The sender CLI: posts a correctly signed delivery of a source's fixture (or any body file) to a
 * running receiver, signed with the dev secrets unless told otherwise.
 *
 *   npm run send -- <source> <fixture-or-file> [--url http://127.0.0.1:3000] [--secret value|@file]
 *                   [--repeat N] [--fresh] [--tamper body|signature|timestamp]
 *   npm run send -- --list
 *
 * --fresh gives the event a new event key (a new saga); without it, sending the same fixture again
 * is a redelivery (a duplicate). --repeat sends the same event N times, re-signed each time as a
 * vendor's retries are. --tamper spoils the delivery on purpose; the receiver should answer 401.
 */
import { parseArgs } from 'node:util';
import { buildSourceInstances } from '../sources';
import { listFixtures } from '../sources/sender/fixtures';
import { loadDevEnv } from './lib/dev-env';
import { post, prepareSend, type TamperKind } from './lib/sender';

const USAGE = 'usage: npm run send -- <source> <fixture-or-file> [--url URL] [--secret value|@file] [--repeat N] [--fresh] [--tamper body|signature|timestamp]\n       npm run send -- --list';

function list(env: NodeJS.ProcessEnv): void {
  for (const { config, definition } of buildSourceInstances(env)) {
    process.stdout.write(`${config.name.padEnd(20)} ${listFixtures(definition.sender.fixturesDir(config)).join(', ')}\n`);
  }
}

/** A response body for the terminal: short, and never more than the receiver chose to say. */
function brief(body: string): string {
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      secret: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      fresh: { type: 'boolean', default: false },
      tamper: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const env = loadDevEnv({ ...process.env });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.list) return list(env);
  const [source, fixture] = positionals;
  const repeat = Number(values.repeat);
  if (!source || !fixture || !Number.isInteger(repeat) || repeat < 1) throw new Error(USAGE);
  if (values.tamper !== undefined && !['body', 'signature', 'timestamp'].includes(values.tamper)) throw new Error(`--tamper must be body, signature or timestamp\n${USAGE}`);

  const prepared = prepareSend(env, {
    source,
    fixture,
    url: values.url,
    repeat,
    fresh: values.fresh,
    ...(values.secret ? { secret: values.secret } : {}),
    ...(values.tamper ? { tamper: values.tamper as TamperKind } : {}),
  });
  const { expected } = prepared;
  const what = expected.refusal
    ? `tampered (${values.tamper}): expect 401 ${expected.refusal}`
    : expected.decision?.action === 'start'
      ? `${expected.decision.eventType} → ${expected.starts!.map((s) => `${s.saga}, workflow ${s.workflowId}`).join('; ')}`
      : `${expected.decision?.action ?? '?'} ${expected.decision?.eventType ?? ''}`;
  process.stdout.write(`POST ${prepared.endpoint}  ${fixture}${values.fresh ? ' (fresh)' : ''}\n  ${what}\n`);

  for (const [i, attempt] of prepared.attempts.entries()) {
    let result;
    try {
      result = await post(prepared.endpoint, attempt);
    } catch (err) {
      throw new Error(`could not reach ${prepared.endpoint} (${(err as Error).message}): is the receiver running? (npm run dev)`);
    }
    process.stdout.write(`  #${i + 1} ${result.status} ${brief(result.body)}\n`);
    if (result.status >= 500) process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`[send] ${(err as Error).message}\n`);
  process.exitCode = 1;
});
