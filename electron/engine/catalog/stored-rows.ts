// Reads rows and JSON columns back through zod, so a row another program edited becomes a clear error, never a mistyped value.

import type * as z from 'zod';
import { AirlockError } from '../errors.ts';
import { rebuildAdvice } from './sqlite-errors.ts';

export function unreadableRow(path: string, what: string, cause?: unknown): AirlockError {
  return new AirlockError('CATALOG_UNREADABLE', `The catalog at ${path} holds ${what} that this version of Airlock cannot read. ${rebuildAdvice(path)}`, { cause });
}

export function parseRow<S extends z.ZodType>(schema: S, row: unknown, path: string, what: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw unreadableRow(path, what, parsed.error);
  return parsed.data;
}

export function parseJsonColumn<S extends z.ZodType>(schema: S, text: string, path: string, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw unreadableRow(path, what, err);
  }
  return parseRow(schema, value, path, what);
}
