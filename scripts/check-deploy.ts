/** `npm run check-deploy`: deploy/ through hadolint, kubernetes-validate, the compose schema, promtool and nginx -t. */
import { join } from 'node:path';
import { checkDeploy } from './lib/deploy-check';
import { ROOT } from './lib/tools';

const verdicts = checkDeploy(join(ROOT, 'deploy'));
for (const v of verdicts) {
  console.log(`${v.ok ? 'ok  ' : 'FAIL'} ${v.check}`);
  if (!v.ok || process.argv.includes('--verbose')) console.log(v.output.replace(/^/gm, '     '));
}
if (verdicts.some((v) => !v.ok)) process.exitCode = 1;
