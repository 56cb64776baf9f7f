import { Type } from 'typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { KnownTypes } from './known-types.ts';
import type { LiveService } from './live.service.ts';

/** What the Live API's route plugins take. */
export interface LiveDeps {
  auth: KeyResolver;
  live: LiveService;
  /** The event types a tenant's endpoint filters can name (known-types.ts). */
  types: (tenantId: string) => Promise<KnownTypes>;
}

/** An endpoint as the admin API shows it (live.service.ts EndpointView). */
export const EndpointSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  url: Type.String(),
  description: Type.String(),
  filters: Type.Array(Type.String()),
  publicKey: Type.String({ description: 'Names the endpoint: sent as x-notificare-public-key.' }),
  privateKey: Type.String({ description: 'The HMAC secret the signatures use; keep it in the receiver.' }),
  standardWebhooksSecret: Type.String({
    description:
      'The same secret in the whsec_… form of Standard Webhooks libraries: new Webhook(secret).verify(body, headers).',
  }),
  state: Type.Union([Type.Literal('unverified'), Type.Literal('active'), Type.Literal('paused')]),
  verifiedAt: Type.Union([Type.String(), Type.Null()]),
  verifyError: Type.Union([Type.String(), Type.Null()]),
  ordered: Type.Boolean({ description: 'One delivery at a time, in event order.' }),
  failingSince: Type.Union([Type.Number(), Type.Null()], {
    description: 'Unix ms of the first failure since the last success.',
  }),
  failing: Type.Boolean({
    description: 'Every attempt has failed for USAGEHUB_LIVE_FAILING_AFTER_SECONDS or longer.',
  }),
  createdAt: Type.String(),
});
/** What an admin may set on an endpoint (the url apart). */
export const Input = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
  ordered: Type.Optional(
    Type.Boolean({ description: 'Strict order: one delivery at a time, in event order.' }),
  ),
  filters: Type.Optional(
    Type.Array(Type.String({ maxLength: 300 }), {
      maxItems: 100,
      description:
        'Event types (usagehub.event.push.opened_file) or namespace wildcards (usagehub.event.push.*); none: all.',
    }),
  ),
};
export const Id = Type.Object({ id: Type.String() });
