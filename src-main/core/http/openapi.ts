/** The API described from the contract's zod schemas: a listing and an OpenAPI 3.1 document. */
import { z } from 'zod';
import { methods, type MethodName } from '../../../src-shared/contract';
import { ERROR_CODES } from '../../../src-shared/errors';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
}

export function apiListing() {
  return {
    methods: (Object.keys(methods) as MethodName[]).map((name) => {
      const def = methods[name];
      return {
        name,
        summary: def.summary,
        access: def.access,
        mutates: def.mutates,
        input: jsonSchema(def.input, 'input'),
        output: jsonSchema(def.output, 'output'),
      };
    }),
  };
}

export function openApiDocument() {
  const errorSchema = {
    type: 'object',
    required: ['ok', 'error'],
    properties: {
      ok: { const: false },
      error: {
        type: 'object',
        required: ['code', 'messageKey'],
        properties: {
          code: { enum: [...ERROR_CODES] },
          messageKey: { type: 'string' },
          params: { type: 'object' },
          fields: {
            type: 'array',
            items: {
              type: 'object',
              properties: { path: { type: 'string' }, messageKey: { type: 'string' }, params: { type: 'object' } },
            },
          },
        },
      },
    },
  };
  const paths: Record<string, unknown> = {};
  for (const name of Object.keys(methods) as MethodName[]) {
    const def = methods[name];
    paths[`/rpc/${name}`] = {
      post: {
        operationId: name,
        summary: def.summary,
        tags: [name.split('.')[0]],
        ...(def.access === 'public' ? { security: [] } : {}),
        'x-harbor-permission': def.access,
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.input, 'input') } } },
        responses: {
          '200': {
            description: 'Success',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['ok', 'value'],
                  properties: { ok: { const: true }, value: jsonSchema(def.output, 'output') },
                },
              },
            },
          },
          default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Harbor local API',
      version: '1',
      description:
        'Every operation of the Harbor desktop app. Sign in with POST /rpc/auth.login and send the token as `Authorization: Bearer <token>`.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { session: { type: 'http', scheme: 'bearer' } } },
    security: [{ session: [] }],
    paths,
  };
}
