// `airlock init`: creates an encrypted repository in a folder.

import { LocalStorage } from '../../engine/repo/local-storage.ts';
import { Repository } from '../../engine/repo/repository.ts';
import { stringOption, type Command } from '../command.ts';
import { readSecret } from '../secrets.ts';

export const init: Command = {
  usage: 'airlock init --repo DIR [--compression LEVEL]',
  options: { compression: { type: 'string' } },
  async run(ctx) {
    const location = ctx.repoLocation();
    const level = stringOption(ctx.values, 'compression');
    const passphrase = await readSecret({ env: 'AIRLOCK_PASSPHRASE', file: stringOption(ctx.values, 'passphrase-file'), what: 'passphrase for the new repository', confirm: true });
    const repo = await Repository.init(new LocalStorage(location), passphrase, level !== undefined ? { compressionLevel: Number(level) } : {});
    ctx.result({ repository: repo.id, location });
    ctx.say(`Created repository ${repo.id.slice(0, 8)} at ${location}.\nKeep the passphrase safe: without it nobody, including you, can read these backups.`);
    return 0;
  },
};
