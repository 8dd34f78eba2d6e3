// `airlock key list|add|remove|passwd`: manages the passphrases that open a repository.

import { AirlockError } from '../../engine/errors.ts';
import { addKey, changePassphrase, removeKey } from '../../engine/repo/key-management.ts';
import { listKeys } from '../../engine/repo/keys.ts';
import { auditCommand } from '../audit-entry.ts';
import { stringOption, type Command, type CommandContext } from '../command.ts';
import { formatTime, table } from '../format.ts';
import { readSecret } from '../secrets.ts';

function newPassphrase(ctx: CommandContext): Promise<string> {
  return readSecret({ env: 'AIRLOCK_NEW_PASSPHRASE', file: stringOption(ctx.values, 'new-passphrase-file'), what: 'new passphrase', confirm: true });
}

export const keyList: Command = {
  usage: 'airlock key list --repo DIR',
  options: {},
  async run(ctx) {
    const repo = await ctx.openRepository();
    const keys = await listKeys(repo.storage);
    ctx.result(keys.map((k) => ({ ...k, current: k.id === repo.keyId })));
    ctx.say(table([[' ', 'ID', 'Created', 'User', 'Host'], ...keys.map((k) => [k.id === repo.keyId ? '*' : ' ', k.id.slice(0, 8), formatTime(k.created), k.username, k.hostname])]));
    return 0;
  },
};

export const keyAdd: Command = {
  usage: 'airlock key add --repo DIR [--new-passphrase-file FILE]',
  options: { 'new-passphrase-file': { type: 'string' } },
  async run(ctx) {
    const repo = await ctx.openRepository();
    const id = await addKey(repo, await newPassphrase(ctx));
    await auditCommand(ctx, { action: 'key.add', target: repo.storage.location, details: { key: id, openedWith: repo.keyId } });
    ctx.result({ added: id });
    ctx.say(`Added key ${id.slice(0, 8)}. Both passphrases now open the repository.`);
    return 0;
  },
};

export const keyRemove: Command = {
  usage: 'airlock key remove --repo DIR KEY-ID',
  options: {},
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new AirlockError('USAGE', 'Which key? Give its ID from `airlock key list`.');
    const repo = await ctx.openRepository();
    const removed = await removeKey(repo, ref);
    await auditCommand(ctx, { action: 'key.remove', target: repo.storage.location, details: { key: removed.id, openedWith: repo.keyId } });
    ctx.result({ removed: removed.id });
    ctx.say(`Removed key ${removed.id.slice(0, 8)}; its passphrase no longer opens the repository.`);
    return 0;
  },
};

export const keyPasswd: Command = {
  usage: 'airlock key passwd --repo DIR [--new-passphrase-file FILE]',
  options: { 'new-passphrase-file': { type: 'string' } },
  async run(ctx) {
    const repo = await ctx.openRepository();
    const id = await changePassphrase(repo, await newPassphrase(ctx));
    await auditCommand(ctx, { action: 'key.passwd', target: repo.storage.location, details: { added: id, removed: repo.keyId } });
    ctx.result({ added: id, removed: repo.keyId });
    ctx.say('Passphrase changed. The old one no longer opens the repository; no data was rewritten.');
    return 0;
  },
};
