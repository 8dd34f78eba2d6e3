// A new job's id: readable, made from its name ("Office files" → office-files), and unique in the catalog.
import type { Catalog } from '../catalog/catalog.ts';

export function newJobId(catalog: Pick<Catalog, 'getJob'>, name: string): string {
  const slug =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'job';
  let id = slug;
  for (let n = 2; catalog.getJob(id) !== undefined; n++) id = `${slug}-${n}`;
  return id;
}
