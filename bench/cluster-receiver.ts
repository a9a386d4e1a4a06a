/** Scenario (f): N receiver processes sharing one port through node's cluster module. */
import cluster from 'node:cluster';

const processes = Number(process.env.BENCH_PROCESSES ?? 2);
if (cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  });
} else {
  require('../src/server');
}
