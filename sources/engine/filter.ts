import { z } from 'zod';
import type { Delivery } from '../types';
import type { JsonObject } from './json';
import { selectorSchema, selectValue, type Selector } from './selector';

/**
 * Declarative conditions on a delivery's fields, for route filters and handshakes:
 *
 *   { "body:data.object.livemode": { "equals": true }, "body:type": { "in": ["a", "b"] }, "body:zen": { "exists": true } }
 *
 * Every condition must hold. Values are compared as JSON values (a form field is a string). Like
 * event keys and types, the selectors must read signed inputs (the kind checks at start-up).
 */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const conditionSchema = z.union([
  z.strictObject({ equals: scalar }),
  z.strictObject({ in: z.array(scalar).min(1) }),
  z.strictObject({ exists: z.boolean() }),
]);

export type Condition = z.infer<typeof conditionSchema>;

export interface Filter {
  readonly conditions: readonly { readonly selector: Selector; readonly condition: Condition }[];
}

export const filterSchema = z
  .record(z.string(), conditionSchema)
  .refine((f) => Object.keys(f).length > 0, 'at least one condition')
  .transform((f, ctx): Filter => {
    const conditions: Filter['conditions'][number][] = [];
    for (const [text, condition] of Object.entries(f)) {
      const parsed = selectorSchema.safeParse(text);
      if (!parsed.success) ctx.addIssue({ code: 'custom', path: [text], message: parsed.error.issues[0]!.message });
      else conditions.push({ selector: parsed.data, condition });
    }
    return { conditions };
  });

function holds(condition: Condition, value: unknown): boolean {
  if ('exists' in condition) return (value !== undefined && value !== null) === condition.exists;
  if ('equals' in condition) return value === condition.equals;
  return condition.in.some((v) => v === value);
}

/** Whether every condition of the filter holds for this (verified) delivery and its parsed body. */
export function matches(filter: Filter, delivery: Delivery, body: JsonObject | undefined): boolean {
  return filter.conditions.every(({ selector, condition }) => holds(condition, selectValue(selector, delivery, body)));
}
