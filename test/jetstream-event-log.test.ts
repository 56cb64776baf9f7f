import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { JetStreamEventLog } from '../src/log/jetstream/event-log.jetstream.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { batch, eventLogConformance } from './conformance/event-log.conformance.ts';
import { NATS_URL, natsSkip, natsStream, pgPlace, pgSkip } from './helpers/services.ts';

/** A place is a stream and the PostgreSQL schema where its dedup keys are claimed. */
const open = (place: string) => {
  const [stream, pgUrl] = place.split('|') as [string, string];
  return JetStreamEventLog.open({
    servers: [NATS_URL],
    stream,
    replicas: 1,
    ackWaitMs: 2000,
    pg: parsePgUrl(pgUrl),
    migrate: true,
  });
};

eventLogConformance('JetStreamEventLog', {
  skip: natsSkip ?? pgSkip,
  place: () => `${natsStream()}|${pgPlace()}`,
  open,
});

test(
  'JetStreamEventLog: a batch resent after its dedup claim was lost is kept once, by message id',
  { skip: natsSkip ?? pgSkip },
  async () => {
    const place = `${natsStream()}|${pgPlace()}`;
    const log = await open(place);
    try {
      await log.append([batch(1, 2)]);
      const head = await log.head();
      // What a failed PostgreSQL commit after JetStream's ack leaves: the events in the
      // stream, their claims gone. The client got an error and resends.
      const url = new URL(place.split('|')[1]!);
      const schema = url.searchParams.get('schema')!;
      url.searchParams.delete('schema');
      const db = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
      await db.connect();
      await db.query('DELETE FROM log_keys');
      await db.end();
      const [appended] = await log.append([batch(1, 2)]);
      assert.deepEqual([...appended!.fresh], [1, 1], 'the log cannot tell; the stream can');
      assert.equal(appended!.offset, null, 'the events are where the first message put them');
      assert.equal(await log.head(), head, 'JetStream dropped the resent message');
    } finally {
      await log.close();
    }
  },
);
