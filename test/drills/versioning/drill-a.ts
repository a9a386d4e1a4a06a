/** Version A of the drill's saga: reserve, (wait), confirm. Pinned, like the project's sagas. */
import { setWorkflowOptions } from '@temporalio/workflow';
import { drillSagaOf } from './drill-saga';

export const drillSaga = drillSagaOf(['reserve']);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, drillSaga);
