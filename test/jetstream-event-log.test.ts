import { JetStreamEventLog } from '../src/log/jetstream/jetstream-event-log.ts';
import { parsePgUrl } from '../src/storage/postgres.ts';
import { eventLogConformance } from './conformance/event-log.conformance.ts';
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
