import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DOWNSTREAM_CALL, LONG_DOWNLOAD, UNDO_CALL } from './policies';

/** The sagas' activities, one proxy per policy: steps, undos (tried harder) and long downloads (heartbeating). */
export const act = proxyActivities<Activities>(DOWNSTREAM_CALL);
export const undo = proxyActivities<Activities>(UNDO_CALL);
export const download = proxyActivities<Activities>(LONG_DOWNLOAD);
