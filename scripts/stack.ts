/** `npm run stack -- up|down|status [dev|test]`: the local Temporal dev server and Redis. */
import { DEV_TEMPORAL, TEST_TEMPORAL, ensureRedis, portOpen, startTemporal, stopTemporal } from './lib/stack';

async function main(): Promise<void> {
  const [command = 'status', which = 'dev'] = process.argv.slice(2);
  const profile = which === 'test' ? TEST_TEMPORAL : DEV_TEMPORAL;
  switch (command) {
    case 'up':
      await ensureRedis();
      await startTemporal(profile);
      break;
    case 'down':
      await stopTemporal(profile);
      break;
    case 'status':
      console.log(`temporal (${profile.name}) on 127.0.0.1:${profile.port}: ${(await portOpen(profile.port)) ? 'up' : 'down'}`);
      console.log(`redis on 127.0.0.1:6379: ${(await portOpen(6379)) ? 'up' : 'down'}`);
      break;
    default:
      throw new Error(`usage: stack up|down|status [dev|test]`);
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
