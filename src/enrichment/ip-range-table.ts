import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { IpRangeTable } from './ip-range-table.port.ts';
import { PgIpRangeTable } from './postgres/ip-range-table.postgres.ts';
import { SqliteIpRangeTable } from './sqlite/ip-range-table.sqlite.ts';

/** The IP range tables, beside the catalog, on the catalog's engine. */
export async function openIpRangeTable(place: CatalogPlace): Promise<IpRangeTable> {
  return place.engine === 'sqlite'
    ? new SqliteIpRangeTable(place.file)
    : PgIpRangeTable.open(place.where, { migrate: place.migrate });
}
