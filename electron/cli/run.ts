// Runs one CLI command: parses its arguments, gives it its context, maps errors to plain sentences and exit codes.

import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Catalog } from '../engine/catalog/catalog.ts';
import { AirlockError, exitCodes } from '../engine/errors.ts';
import { stringOption, type CommandContext } from './command.ts';
import { commands, type CommandEntry } from './commands/index.ts';
import { progressRenderer, type ProgressMode } from './progress-renderer.ts';

const globalOptions: ParseArgsOptionsConfig = {
  repo: { type: 'string' },
  json: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  progress: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`);
  return `airlock — offline, encrypted, deduplicated backups\n\nUsage: airlock <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nCommon options: --repo DIR (or AIRLOCK_REPO), --json, --passphrase-file FILE (or AIRLOCK_PASSPHRASE),\n--progress auto|json|none. Run \`airlock <command> --help\` for a command's options.\n`;
}

function findCommand(argv: readonly string[]): { entry: CommandEntry; rest: string[] } | undefined {
  // Two-word commands ("key add", "catalog rebuild") are matched before one-word ones.
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo) return { entry: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === argv[0]);
  return byOne ? { entry: byOne, rest: argv.slice(1) } : undefined;
}

export async function main(argv: readonly string[]): Promise<number> {
  // `airlock dump … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(exitCodes.ok);
    throw err;
  });
  const found = findCommand(argv);
  if (!found) {
    const wanted = argv[0];
    if (wanted === undefined || wanted === '--help' || wanted === '-h' || wanted === 'help') {
      process.stdout.write(usage());
      return wanted === undefined ? exitCodes.usage : exitCodes.ok;
    }
    process.stderr.write(`airlock: unknown command "${argv.join(' ')}".\n\n${usage()}`);
    return exitCodes.usage;
  }
  const { entry, rest } = found;
  const command = await entry.load();
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    process.stderr.write(`airlock ${entry.name}: ${(err as Error).message}\nUsage: ${command.usage}\n`);
    return exitCodes.usage;
  }
  const values = parsed.values as CommandContext['values'];
  if (values.help === true) {
    process.stdout.write(`Usage: ${command.usage}\n\n${entry.summary}\n`);
    return exitCodes.ok;
  }
  const json = values.json === true;
  const progressMode = (typeof values.progress === 'string' ? values.progress : 'auto') as ProgressMode;
  if (!['auto', 'json', 'none'].includes(progressMode)) {
    process.stderr.write('airlock: --progress takes auto, json or none.\n');
    return exitCodes.usage;
  }
  const renderer = progressRenderer(progressMode);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(signal === 'SIGINT' ? '\nCancelling… (press Ctrl-C again to stop at once)\n' : '\nStopping: finishing cleanly…\n');
    controller.abort(new AirlockError('CANCELLED', 'Cancelled. Nothing already stored was harmed; the next run reuses what was saved.'));
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let passphrase: Promise<string> | undefined;
  let catalog: { value: Catalog | undefined } | undefined;
  const ctx: CommandContext = {
    positionals: parsed.positionals,
    values,
    optionOrder: parsed.tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, value: t.value }] : [])),
    json,
    signal: controller.signal,
    progress: renderer.listener,
    say: (text) => {
      if (!json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    result: (value) => {
      if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
    warn: (text) => process.stderr.write(`warning: ${text}\n`),
    repoLocation: (option = 'repo') => {
      const location = (typeof values[option] === 'string' ? values[option] : undefined) ?? (option === 'repo' ? process.env.AIRLOCK_REPO : undefined);
      if (!location) throw new AirlockError('USAGE', `Which repository? Pass --${option} DIR${option === 'repo' ? ' or set AIRLOCK_REPO' : ''}.`);
      return location;
    },
    passphrase: () => {
      const file = stringOption(values, 'passphrase-file');
      passphrase ??= import('./secrets.ts').then(({ readSecret }) => readSecret({ env: 'AIRLOCK_PASSPHRASE', file, what: 'repository passphrase' }));
      return passphrase;
    },
    catalog: async () => {
      const { catalogPath, openCatalog } = await import('../engine/catalog/catalog.ts');
      if (!catalog) {
        try {
          catalog = { value: openCatalog(catalogPath()) };
        } catch (err) {
          catalog = { value: undefined };
          ctx.warn(`the history catalog could not be opened, so this run is not recorded in it (${err instanceof Error ? err.message : String(err)}).`);
        }
      }
      return catalog.value;
    },
    // The engine modules are imported where they are needed, not at the top, so that `--help` and the
    // commands that do not open a repository or the catalog never load them.
    openRepository: async (option = 'repo') => {
      const location = ctx.repoLocation(option);
      const passphrase = await ctx.passphrase();
      const [{ Repository }, { LocalStorage }] = await Promise.all([import('../engine/repo/repository.ts'), import('../engine/repo/local-storage.ts')]);
      return Repository.open(new LocalStorage(location), passphrase);
    },
  };

  try {
    return (await command.run(ctx)) ?? exitCodes.ok;
  } catch (err) {
    renderer.done();
    const error = controller.signal.aborted && !(err instanceof AirlockError) ? (controller.signal.reason as unknown) : err;
    if (error instanceof AirlockError) {
      if (json) process.stdout.write(JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2) + '\n');
      process.stderr.write(`airlock ${entry.name}: ${error.message}\n`);
      return error.exitCode;
    }
    // An unexpected failure: show what is known, with the stack for a bug report.
    process.stderr.write(`airlock ${entry.name} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return exitCodes.error;
  } finally {
    renderer.done();
    catalog?.value?.close();
  }
}
