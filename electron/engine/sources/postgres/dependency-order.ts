// Orders schema items so that each comes after everything it depends on, preferring a stable kind-then-name order.

export interface Orderable {
  readonly id: number;
  readonly deps: readonly number[];
  /** Lower first, when dependencies allow (schemas before types before tables …). */
  readonly priority: number;
  /** Tie-break after priority, so that the same database always gives the same order. */
  readonly sortKey: string;
}

export interface Ordering<T> {
  readonly ordered: T[];
  /** Items placed before one of their dependencies because the dependencies form a cycle. */
  readonly cycleBreaks: T[];
}

function before(a: Orderable, b: Orderable): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey;
  return a.id < b.id;
}

/** A binary min-heap on `before`. */
class Heap<T extends Orderable> {
  private readonly a: T[] = [];

  get size(): number {
    return this.a.length;
  }

  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as T;
      if (!before(x, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = x;
  }

  pop(): T | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const left = a[l] as T;
      const right = a[r];
      const [c, child] = right !== undefined && before(right, left) ? [r, right] : [l, left];
      if (!before(child, last)) break;
      a[i] = child;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Kahn's algorithm with a priority queue: among the items whose dependencies are all placed, the one
 * with the lowest (priority, sortKey, id) goes next. Dependencies on ids not in the list are ignored.
 * A cycle is broken at its lowest item, which is reported.
 */
export function orderByDependencies<T extends Orderable>(items: readonly T[]): Ordering<T> {
  const byId = new Map<number, T>();
  for (const item of items) byId.set(item.id, item);
  const waitingOn = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  for (const item of items) {
    const deps = new Set(item.deps.filter((d) => d !== item.id && byId.has(d)));
    waitingOn.set(item.id, deps.size);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(item.id);
      else dependents.set(d, [item.id]);
    }
  }
  const ready = new Heap<T>();
  for (const item of items) if (waitingOn.get(item.id) === 0) ready.push(item);
  const placed = new Set<number>();
  const ordered: T[] = [];
  const cycleBreaks: T[] = [];
  const place = (item: T): void => {
    placed.add(item.id);
    ordered.push(item);
    for (const dep of dependents.get(item.id) ?? []) {
      const n = (waitingOn.get(dep) ?? 0) - 1;
      waitingOn.set(dep, n);
      const d = byId.get(dep);
      if (n === 0 && d !== undefined && !placed.has(dep)) ready.push(d);
    }
  };
  while (ordered.length < byId.size) {
    const next = ready.pop();
    if (next !== undefined) {
      if (!placed.has(next.id)) place(next);
      continue;
    }
    // Everything left waits on something else left: a cycle. Break it at the lowest remaining item.
    let best: T | undefined;
    for (const item of byId.values()) {
      if (!placed.has(item.id) && (best === undefined || before(item, best))) best = item;
    }
    if (best === undefined) break;
    cycleBreaks.push(best);
    place(best);
  }
  return { ordered, cycleBreaks };
}
