// The OpenAPI document (GET /openapi.json, @fastify/swagger) is generated from the routes' own
// zod schemas: `routeSchema` turns them into the JSON Schemas fastify keeps on a route, for the
// document only. Fastify never validates with them (`app.ts` installs a validator compiler that
// accepts everything): `parseInput` with the same zod schema stays the one validator, so the
// document and the checks cannot drift apart.
import type { FastifySchema } from 'fastify';
import { z } from 'zod';

export interface RouteDoc {
  summary: string;
  tags: string[];
  description?: string;
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /** The request body's content types when not JSON (uploads: multipart/form-data). */
  consumes?: string[];
  /** The route needs a session cookie or a bearer token (default true). */
  auth?: boolean;
}

/** A zod schema as OpenAPI 3.0 JSON Schema, describing what the client sends (the input side). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
  delete out.$schema;
  return out as Record<string, unknown>;
}

export function routeSchema(doc: RouteDoc): FastifySchema {
  const schema: FastifySchema & Record<string, unknown> = { summary: doc.summary, tags: doc.tags };
  if (doc.description !== undefined) schema.description = doc.description;
  if (doc.params !== undefined) schema.params = jsonSchema(doc.params);
  if (doc.querystring !== undefined) schema.querystring = jsonSchema(doc.querystring);
  if (doc.body !== undefined) schema.body = jsonSchema(doc.body);
  if (doc.consumes !== undefined) schema.consumes = doc.consumes;
  if (doc.auth !== false) schema.security = [{ session: [] }, { bearer: [] }];
  return schema;
}

/** The document's frame; the paths come from the routes. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'Early warning API (社会救助扩围增效 数据比对和信息预警)',
    version: '0.1.0',
    description:
      'People sign in with POST /auth/login (cookie `ew_session`; state-changing requests then send ' +
      '`x-csrf-token`, see GET /me). Machines send `Authorization: Bearer <token>`. Errors are ' +
      '`{ error: { code, message, issues? } }`.',
  },
  components: {
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'ew_session' },
      bearer: { type: 'http', scheme: 'bearer' },
    },
  },
} as const;
