// Selective dump/restore: the chosen relations, everything they need, and a warning for each thing left out because of them.

import { AirlockError } from '../../errors.ts';
import type { SchemaItem } from './dump-format.ts';

export interface Selection {
  /** Items to run, by id. */
  readonly items: ReadonlySet<number>;
  /** Relation items whose data is included. */
  readonly relations: ReadonlySet<number>;
  readonly warnings: string[];
}

const dataRelations = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW']);
/** Items that only make sense for a whole database. */
const wholeDatabaseOnly = new Set(['DEFAULT ACL', 'EVENT TRIGGER', 'LARGE OBJECT']);

function label(item: SchemaItem): string {
  return `${item.schema === null ? '' : `${item.schema}.`}${item.name}`;
}

/** Finds the relation items a person named: "schema.table", or "table" when only one schema has it. */
export function resolveRelations(items: readonly SchemaItem[], names: readonly string[]): number[] {
  const relations = items.filter((i) => dataRelations.has(i.kind));
  const out: number[] = [];
  for (const name of names) {
    const exact = relations.filter((r) => `${r.schema ?? ''}.${r.name}` === name);
    const bare = exact.length > 0 ? exact : relations.filter((r) => r.name === name);
    if (bare.length === 0) {
      throw new AirlockError('USAGE', `There is no table named "${name}" in this dump. Name tables as schema.table (for example public.${name}).`);
    }
    if (bare.length > 1) {
      throw new AirlockError('USAGE', `"${name}" is ambiguous: ${bare.map(label).join(', ')}. Name it with its schema.`);
    }
    out.push((bare[0] as SchemaItem).id);
  }
  return out;
}

/**
 * The selected relations, the items attached to them (keys, indexes, triggers, grants …) and, transitively,
 * the schemas, types, functions and sequences those need. A table that inherits from another brings its
 * parent along; anything that needs a relation that is not selected (a foreign key to it, a view on it,
 * a function reading it) is left out with a warning.
 */
export function selectRelations(items: readonly SchemaItem[], names: readonly string[]): Selection {
  const byId = new Map(items.map((i) => [i.id, i]));
  const warnings: string[] = [];
  const selected = new Set(resolveRelations(items, names));

  // Inheritance parents (and tables used as a column's row type) come along: the child cannot exist without them.
  const queue = [...selected];
  while (queue.length > 0) {
    const id = queue.pop() as number;
    const item = byId.get(id);
    if (item?.kind !== 'TABLE') continue;
    for (const d of item.deps) {
      const dep = byId.get(d);
      if (dep?.kind === 'TABLE' && !selected.has(d)) {
        selected.add(d);
        queue.push(d);
        warnings.push(`Also restoring table ${label(dep)}: ${label(item)} is defined in terms of it.`);
      }
    }
  }

  const include = new Set<number>();
  const blockedBy = new Map<number, number>();
  const visit = (id: number): void => {
    if (include.has(id)) return;
    const item = byId.get(id);
    if (!item || wholeDatabaseOnly.has(item.kind)) return;
    include.add(id);
    for (const d of item.deps) {
      const dep = byId.get(d);
      if (!dep) continue;
      if (dataRelations.has(dep.kind) && !selected.has(d)) {
        if (!blockedBy.has(id)) blockedBy.set(id, d);
        continue;
      }
      visit(d);
    }
  };
  for (const id of selected) visit(id);
  // Items attached to an included relation (keys, indexes, grants, a pulled-in sequence's OWNED BY) come too.
  let grew = true;
  while (grew) {
    grew = false;
    for (const item of items) {
      if (item.relation === null || include.has(item.id) || !include.has(item.relation) || wholeDatabaseOnly.has(item.kind)) continue;
      visit(item.id);
      grew = true;
    }
  }

  // Drop what depends on a missing relation, then whatever depended on that, until nothing changes.
  const removed = new Set<number>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of include) {
      const item = byId.get(id);
      if (!item) continue;
      const missing = blockedBy.get(id) ?? item.deps.find((d) => removed.has(d));
      if (missing === undefined) continue;
      include.delete(id);
      removed.add(id);
      changed = true;
      const dep = byId.get(missing);
      const depLabel = dep ? label(dep) : String(missing);
      if (!blockedBy.has(id)) continue;
      switch (item.kind) {
        case 'FK CONSTRAINT':
          warnings.push(`Foreign key ${item.name.split(' ').slice(1).join(' ')} on ${item.schema ?? ''}.${item.name.split(' ')[0] ?? ''} references ${depLabel}, which is not being restored: the constraint was skipped.`);
          break;
        case 'TABLE ATTACH':
          warnings.push(`Partition ${label(item)} is restored as a standalone table: its parent ${depLabel} is not being restored.`);
          break;
        case 'ACL':
        case 'INDEX ATTACH':
        case 'SEQUENCE OWNED BY':
          break;
        default:
          warnings.push(`${item.kind} ${label(item)} needs ${depLabel}, which is not being restored: skipped.`);
      }
    }
  }
  if (items.some((i) => i.kind === 'LARGE OBJECT')) warnings.push('Large objects are not part of a selective restore; restore the whole database to get them back.');
  return { items: include, relations: new Set([...selected].filter((id) => include.has(id))), warnings };
}
