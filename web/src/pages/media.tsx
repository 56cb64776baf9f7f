import { get } from '../api.ts';
import { Filters } from '../components/filters.tsx';
import { Show } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { useLoad } from '../components/use-load.ts';
import { fmt, fmtSeconds } from '../format.ts';
import { rangeOf, rangeParams } from '../time-range.ts';
import type { Location } from '../url-state.ts';

type Rows<T> = { rows: T[] };
interface MediaRow {
  media: string;
  plays: number;
  views: number;
  downloads: number;
  uploads: number;
  secondsWatched: number;
}

/** Statistic hits: media, searches, connections, user interfaces. */
export function Media({ loc }: { loc: Location }) {
  const params = rangeParams(rangeOf(loc.params), loc.params.get('app'));
  const loaded = useLoad(`${params.from}|${params.to}|${params.app}`, async () => {
    const [medias, searches, connections, origins] = await Promise.all([
      get<Rows<MediaRow>>('/v1/query/hits/medias', params),
      get<Rows<{ searchType: string; searches: number; averageResultCount: number }>>(
        '/v1/query/hits/searches',
        params,
      ),
      get<Rows<{ mode: string; attempts: number; successes: number; successRate: number }>>(
        '/v1/query/hits/connections',
        params,
      ),
      get<Rows<{ origin: number; type: string; hits: number }>>('/v1/query/hits/origins', params),
    ]);
    return {
      medias: medias.rows,
      searches: searches.rows,
      connections: connections.rows,
      origins: origins.rows,
    };
  });
  return (
    <>
      <h1>Media</h1>
      <Filters loc={loc} />
      <Show
        loaded={loaded}
        what="statistic hits"
        ok={(h) => (
          <div class="grid">
            <Table
              caption="Per media"
              rows={h.medias}
              columns={[
                { label: 'Media', cell: (r) => r.media },
                { label: 'Plays', cell: (r) => fmt(r.plays), numeric: true },
                { label: 'Views', cell: (r) => fmt(r.views), numeric: true },
                { label: 'Downloads', cell: (r) => fmt(r.downloads), numeric: true },
                { label: 'Uploads', cell: (r) => fmt(r.uploads), numeric: true },
                { label: 'Watched', cell: (r) => fmtSeconds(r.secondsWatched), numeric: true },
              ]}
            />
            <Table
              caption="Searches by type"
              rows={h.searches}
              columns={[
                { label: 'Type', cell: (r) => r.searchType },
                { label: 'Searches', cell: (r) => fmt(r.searches), numeric: true },
                { label: 'Average results', cell: (r) => fmt(r.averageResultCount), numeric: true },
              ]}
            />
            <Table
              caption="Connections by mode"
              rows={h.connections}
              columns={[
                { label: 'Mode', cell: (r) => r.mode },
                { label: 'Attempts', cell: (r) => fmt(r.attempts), numeric: true },
                { label: 'Success rate', cell: (r) => `${fmt(r.successRate * 100)} %`, numeric: true },
              ]}
            />
            <Table
              caption="Hits per user interface"
              rows={h.origins}
              columns={[
                { label: 'User interface', cell: (r) => String(r.origin) },
                { label: 'Hit type', cell: (r) => r.type },
                { label: 'Hits', cell: (r) => fmt(r.hits), numeric: true },
              ]}
            />
          </div>
        )}
      />
    </>
  );
}
