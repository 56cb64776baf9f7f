/**
 * The JSON Schema of each statistic-hit type. These objects are both what
 * `GET /api/stat/hit-types/{TYPE}/schema` serves and what `POST /api/stat/hits`
 * compiles and enforces: what is published is what is enforced.
 */
export const HIT_TYPES = ['CONNECTION', 'DOWNLOAD', 'PLAY', 'SEARCH', 'UPLOAD', 'VIEW'] as const;
export type HitType = (typeof HIT_TYPES)[number];
export const isHitType = (s: unknown): s is HitType => (HIT_TYPES as readonly unknown[]).includes(s);

type Schema = Record<string, unknown>;

/** A date-time with or without a UTC offset; one without is read as UTC (docs/hits.md). */
export const DATE_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?$';

const id = (description: string): Schema => ({ type: 'string', minLength: 1, maxLength: 256, description });
const ids = (description: string): Schema => ({
  type: 'array',
  items: id('An identifier.'),
  maxItems: 1000,
  description,
});

const SHARED: Record<string, Schema> = {
  date: {
    type: 'string',
    pattern: DATE_PATTERN,
    description: 'When the action happened: ISO 8601 date-time; without an offset it is UTC.',
  },
  origin: {
    type: 'integer',
    minimum: -1,
    description:
      'The user interface that generated the hit (GET /api/dam/user-interfaces), or -1 for a third-party ' +
      'application. Required unless the X-KPK-CLIENT-ID header names the user interface.',
  },
  sessionId: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    description: 'A random id that tracks a session; never a user identifier.',
  },
  ip: {
    type: 'string',
    anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }],
    description: 'must be an IPv4 or IPv6 address of the user',
  },
  referrer: { type: 'string', maxLength: 4096, description: 'The full referrer path.' },
  users: {
    type: 'array',
    minItems: 1,
    maxItems: 100,
    description: 'Who did it: known users by id, or for anonymous access first name, last name and e-mail.',
    items: {
      anyOf: [
        {
          type: 'object',
          required: ['userId'],
          properties: { userId: id('A user of GET /api/dam/users.') },
          additionalProperties: false,
        },
        {
          type: 'object',
          required: ['firstName', 'lastName', 'email'],
          properties: {
            firstName: { type: 'string', minLength: 1, maxLength: 256 },
            lastName: { type: 'string', minLength: 1, maxLength: 256 },
            email: { type: 'string', format: 'email', maxLength: 320 },
          },
          additionalProperties: false,
        },
      ],
      description: 'must be {"userId"} or {"firstName", "lastName", "email"}',
    },
  },
};

const SPECIFIC: Record<HitType, { required: string[]; properties: Record<string, Schema> }> = {
  CONNECTION: {
    required: ['users', 'connection'],
    properties: {
      connection: {
        type: 'object',
        required: ['mode', 'success'],
        properties: {
          mode: { enum: ['CLASSIC', 'SSO', 'ANONYMOUS'], description: 'Password, SSO, or anonymous access.' },
          success: { type: 'boolean', description: 'Whether the connection succeeded.' },
        },
        additionalProperties: false,
      },
    },
  },
  DOWNLOAD: {
    required: ['medias'],
    properties: {
      medias: ids('The downloaded medias.'),
      download: {
        type: 'object',
        properties: {
          usage: { type: 'string', maxLength: 1024, description: 'The usage the user declared, if asked.' },
          formatIds: ids('Export formats.'),
        },
        additionalProperties: false,
      },
    },
  },
  PLAY: {
    required: ['medias', 'play'],
    properties: {
      medias: ids('The videos played.'),
      play: {
        type: 'object',
        required: ['duration'],
        properties: {
          socialNetwork: { type: 'string', maxLength: 256 },
          duration: {
            type: 'number',
            minimum: 0,
            description:
              'Seconds played; at most the video length; the sum of the ranges when ranges are given.',
          },
          ranges: {
            type: 'array',
            maxItems: 10_000,
            items: {
              type: 'object',
              required: ['start', 'end'],
              properties: { start: { type: 'number', minimum: 0 }, end: { type: 'number', minimum: 0 } },
              additionalProperties: false,
            },
            description: 'Played ranges in seconds, each 0 <= start < end <= video length.',
          },
        },
        additionalProperties: false,
      },
    },
  },
  SEARCH: {
    required: ['search'],
    properties: {
      folders: ids('For a folder search: the folder searched.'),
      search: {
        type: 'object',
        required: ['resultCount', 'searchType'],
        properties: {
          resultCount: { type: 'integer', minimum: 0, description: 'Medias returned.' },
          searchType: { enum: ['TEXT', 'FOLDER', 'ADVANCED'] },
        },
        additionalProperties: false,
      },
    },
  },
  UPLOAD: {
    required: ['medias', 'upload'],
    properties: {
      medias: ids('The uploaded medias.'),
      upload: {
        type: 'object',
        required: ['contributionSpaceType'],
        properties: {
          contributionSpaceType: { enum: ['FOLDER', 'WALL', 'BASKET'] },
          contributionSpaceId: id('The folder or basket uploaded into.'),
        },
        additionalProperties: false,
      },
    },
  },
  VIEW: {
    required: ['medias'],
    properties: { medias: ids('The medias displayed.') },
  },
};

function hitSchema(type: HitType): Schema {
  const specific = SPECIFIC[type];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `/api/stat/hit-types/${type}/schema`,
    title: `${type} statistic hit`,
    type: 'object',
    required: ['date', 'type', ...specific.required],
    properties: { ...SHARED, type: { const: type }, ...specific.properties },
    additionalProperties: false,
  };
}

export const HIT_SCHEMAS: Readonly<Record<HitType, Schema>> = Object.freeze(
  Object.fromEntries(HIT_TYPES.map((t) => [t, hitSchema(t)])) as Record<HitType, Schema>,
);
