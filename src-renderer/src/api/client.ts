/**
 * The typed client: `call('users.create', {...})` is checked against the
 * contract at compile time and resolves to the method's output, or throws an
 * `ApiCallError` carrying the translated-on-display `ApiError`.
 */
import type { EventMap, EventName, MethodInput, MethodName, MethodOutput } from '../../../src-shared/contract';
import type { ApiError, ErrorCode } from '../../../src-shared/errors';
import { createTransport, type Transport } from './transport';

export class ApiCallError extends Error {
  readonly error: ApiError;
  readonly method: MethodName;

  constructor(method: MethodName, error: ApiError) {
    super(`${method}: ${error.code}`);
    this.name = 'ApiCallError';
    this.method = method;
    this.error = error;
  }

  get code(): ErrorCode {
    return this.error.code;
  }
}

export function isApiCallError(value: unknown, code?: ErrorCode): value is ApiCallError {
  return value instanceof ApiCallError && (code === undefined || value.error.code === code);
}

type ErrorListener = (error: ApiCallError) => void;

let transport: Transport = createTransport();
const errorListeners = new Set<ErrorListener>();

/** Swaps the transport (tests, or a future remote office). */
export function setTransport(next: Transport): void {
  transport = next;
}

export function transportKind(): Transport['kind'] {
  return transport.kind;
}

/** Every failed call is reported here first: the session layer reacts to UNAUTHENTICATED and SESSION_LOCKED. */
export function onApiError(listener: ErrorListener): () => void {
  errorListeners.add(listener);
  return () => {
    errorListeners.delete(listener);
  };
}

export async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const result = await transport.invoke(method, input);
  if (result.ok) return result.value;
  const failure = new ApiCallError(method, result.error);
  for (const listener of errorListeners) listener(failure);
  throw failure;
}

export function subscribe<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
  return transport.on(event, listener);
}
