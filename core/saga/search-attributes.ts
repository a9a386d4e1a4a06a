import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, registered on the namespace by scripts/stack.ts (dev server) and by
 * `temporal operator search-attribute create` in production (see README). Safe to import from workflows.
 */
export const WebhookSource = defineSearchAttributeKey('WebhookSource', SearchAttributeType.KEYWORD);
export const EventKey = defineSearchAttributeKey('EventKey', SearchAttributeType.KEYWORD);
export const EventType = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
/** The saga step running now, then the last one reached. */
export const SagaStep = defineSearchAttributeKey('SagaStep', SearchAttributeType.KEYWORD);
/** completed | superseded | compensated | compensation_failed, set when the saga ends. */
export const SagaOutcome = defineSearchAttributeKey('SagaOutcome', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [WebhookSource, EventKey, EventType, SagaStep, SagaOutcome] as const;
