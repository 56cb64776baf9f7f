import { Type } from 'typebox';
import { ERRORS } from '../domain/errors.ts';

const codes = Object.keys(ERRORS).map((c) => Type.Literal(c));

export const ProblemSchema = Type.Object({
  index: Type.Optional(Type.Integer({ description: 'Position of the event in the batch.' })),
  field: Type.String(),
  code: Type.Union(codes),
  reason: Type.String(),
});

/** usagehub's error envelope (native and admin APIs); see docs/errors.md. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(codes),
    message: Type.String(),
    details: Type.Array(ProblemSchema),
    requestId: Type.String(),
  }),
});
