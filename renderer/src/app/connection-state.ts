// Whether the engine is reachable right now, for the header's "reconnecting" badge.
import { useEffect, useState } from 'react';
import type { Connection } from '../api/connect.ts';
import type { ConnectionState } from '../api/transport.ts';

export function useConnectionState(connection: Connection): ConnectionState {
  const [state, setState] = useState<ConnectionState>('open');
  useEffect(() => connection.onState(setState), [connection]);
  return state;
}
