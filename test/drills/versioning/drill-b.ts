/**
 * Version B: an incompatible change, a new first step without patched(). A run of version A replayed
 * on this code fails with a non-determinism error, so A's runs must finish on A.
 */
import { setWorkflowOptions } from '@temporalio/workflow';
import { drillSagaOf } from './drill-saga';

export const drillSaga = drillSagaOf(['check', 'reserve']);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, drillSaga);
