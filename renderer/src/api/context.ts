// Hands the one client to every screen, and a small query hook that refetches when the engine says the status changed.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../shared/ipc/contract.ts';
import type { AirlockClient } from './client.ts';
import { toApiError, type ApiError } from './errors.ts';

const ClientContext = createContext<AirlockClient | undefined>(undefined);

export const ClientProvider = ClientContext.Provider;

export function useClient(): AirlockClient {
  const client = useContext(ClientContext);
  if (client === undefined) throw new Error('useClient outside ClientProvider');
  return client;
}

export interface Query<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

export interface QueryOptions {
  /** Skip the call (e.g. until a repository is picked). */
  readonly enabled?: boolean;
  /** Refetch whenever the engine announces status.changed (a run ended, a job was edited). */
  readonly live?: boolean;
}

/** Calls a channel when its input changes; stale answers from an earlier input are dropped. */
export function useQuery<C extends ChannelName>(channel: C, input: ChannelInput<C>, options: QueryOptions = {}): Query<ChannelOutput<C>> {
  const client = useClient();
  const { enabled = true, live = false } = options;
  const key = JSON.stringify(input);
  const [state, setState] = useState<{ data: ChannelOutput<C> | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: enabled });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => {
    setTick((n) => n + 1);
  }, []);

  useEffect(() => {
    if (!enabled) return;
    const call = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    client.invoke(channel, JSON.parse(key) as ChannelInput<C>).then(
      (data) => {
        if (call === latest.current) setState({ data, error: undefined, loading: false });
      },
      (err: unknown) => {
        if (call === latest.current) setState((s) => ({ data: s.data, error: toApiError(err), loading: false }));
      },
    );
  }, [client, channel, key, enabled, tick]);

  useEffect(() => {
    if (!live) return;
    return client.on('status.changed', reload);
  }, [client, live, reload]);

  return { ...state, reload };
}
