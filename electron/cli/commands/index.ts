// Every CLI command, in the order `airlock --help` lists them.

import type { Command } from '../command.ts';
import { backup } from './backup.ts';
import { catalogRebuild } from './catalog.ts';
import { check } from './check.ts';
import { copy } from './copy.ts';
import { diff } from './diff.ts';
import { dump } from './dump.ts';
import { forget } from './forget.ts';
import { init } from './init.ts';
import { keyAdd, keyList, keyPasswd, keyRemove } from './key.ts';
import { ls } from './ls.ts';
import { prune } from './prune.ts';
import { restore } from './restore.ts';
import { snapshots } from './snapshots.ts';
import { stats } from './stats.ts';
import { unlock } from './unlock.ts';
import { verify } from './verify.ts';
import { jobCommands } from './job.ts';
import { status } from './status.ts';
import { audit } from './audit.ts';
import { daemon } from './daemon.ts';
import { alertCommands } from './alerts.ts';

export const commands: readonly Command[] = [init, backup, snapshots, ls, restore, dump, diff, check, verify, forget, prune, stats, copy, unlock, keyList, keyAdd, keyRemove, keyPasswd, catalogRebuild, ...jobCommands, status, audit, daemon, ...alertCommands];
