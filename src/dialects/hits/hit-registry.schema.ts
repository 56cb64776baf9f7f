import { Type } from 'typebox';
import { MEDIA_KINDS, type MediaKind } from './hit-registry.port.ts';

const nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

export const HitUserSchema = Type.Object({
  id: Type.String(),
  firstName: nullable(Type.String()),
  lastName: nullable(Type.String()),
  email: nullable(Type.String()),
});

export const MediaSchema = Type.Object({
  id: Type.String(),
  kind: Type.Unsafe<MediaKind>({ type: 'string', enum: [...MEDIA_KINDS] }),
  durationSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
    description: 'Length in seconds (videos); plays are checked against it.',
  }),
});
