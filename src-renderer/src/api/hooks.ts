/**
 * react-query on top of the typed client. Query keys are `[method, input]`;
 * every query is refreshed when the core reports `data.changed`.
 */
import {
  QueryClient,
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationOptions,
  type UseQueryOptions,
} from '@tanstack/react-query';
import { useEffect } from 'react';
import type { MethodInput, MethodName, MethodOutput } from '../../../src-shared/contract';
import { ApiCallError, call, subscribe } from './client';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Typed errors are answers, not glitches: do not retry them.
        retry: (failures, error) => !(error instanceof ApiCallError) && failures < 2,
        refetchOnWindowFocus: false,
        staleTime: 30_000,
      },
      mutations: { retry: false },
    },
  });
}

export function apiQueryKey<M extends MethodName>(method: M, input?: MethodInput<M>): readonly unknown[] {
  return input === undefined ? [method] : [method, input];
}

type QueryOptions<M extends MethodName> = Omit<
  UseQueryOptions<MethodOutput<M>, ApiCallError>,
  'queryKey' | 'queryFn'
>;

export function useApiQuery<M extends MethodName>(method: M, input: MethodInput<M>, options?: QueryOptions<M>) {
  return useQuery<MethodOutput<M>, ApiCallError>({
    queryKey: apiQueryKey(method, input),
    queryFn: () => call(method, input),
    ...options,
  });
}

type MutationOptions<M extends MethodName> = Omit<
  UseMutationOptions<MethodOutput<M>, ApiCallError, MethodInput<M>>,
  'mutationFn'
>;

/** A mutation; on success every cached query is refreshed (events do the same for other windows). */
export function useApiMutation<M extends MethodName>(method: M, options?: MutationOptions<M>) {
  const queryClient = useQueryClient();
  return useMutation<MethodOutput<M>, ApiCallError, MethodInput<M>>({
    mutationFn: (input) => call(method, input),
    ...options,
    onSuccess: (...args) => {
      void queryClient.invalidateQueries();
      return options?.onSuccess?.(...args);
    },
  });
}

/** Refreshes cached queries whenever the core reports changed data (this window, another window, sync). */
export function useLiveInvalidation(enabled: boolean): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    return subscribe('data.changed', () => {
      void queryClient.invalidateQueries();
    });
  }, [enabled, queryClient]);
}
