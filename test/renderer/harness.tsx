// Renders a component the way the app does (language, direction, theme, client), with a fake engine that answers per channel.
import { DirectionProvider, MantineProvider } from '@mantine/core';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../shared/ipc/contract.ts';
import type { AirlockClient } from '../../renderer/src/api/client.ts';
import { ClientProvider } from '../../renderer/src/api/context.ts';
import { directionOf, type Language } from '../../renderer/src/i18n/languages.ts';
import { createI18n } from '../../renderer/src/i18n/setup.ts';

export type Handlers = { [C in ChannelName]?: (input: ChannelInput<C>) => ChannelOutput<C> | Promise<ChannelOutput<C>> };

export interface FakeClient extends AirlockClient {
  readonly calls: { channel: ChannelName; input: unknown }[];
}

/** A client whose channels answer from `handlers`; a channel without a handler rejects, so a test sees unexpected calls. */
export function fakeClient(handlers: Handlers): FakeClient {
  const calls: { channel: ChannelName; input: unknown }[] = [];
  return {
    calls,
    invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
      calls.push({ channel, input });
      const handler = handlers[channel] as ((i: ChannelInput<C>) => ChannelOutput<C> | Promise<ChannelOutput<C>>) | undefined;
      if (handler === undefined) return Promise.reject(new Error(`no fake for ${channel}`));
      return Promise.resolve(handler(input));
    },
    on: () => () => undefined,
  };
}

export function renderWith(ui: ReactNode, { client = fakeClient({}), language = 'en' }: { client?: AirlockClient; language?: Language } = {}): RenderResult {
  const i18n = createI18n(language);
  return render(
    <I18nextProvider i18n={i18n}>
      <DirectionProvider initialDirection={directionOf(language)} detectDirection={false}>
        <MantineProvider>
          <ClientProvider value={client}>{ui}</ClientProvider>
        </MantineProvider>
      </DirectionProvider>
    </I18nextProvider>,
  );
}
