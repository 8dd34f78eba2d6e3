// Every CLI command, in the order `airlock --help` lists them.

import type { Command } from '../command.ts';
import { backup } from './backup.ts';
import { init } from './init.ts';
import { ls } from './ls.ts';
import { restore } from './restore.ts';
import { snapshots } from './snapshots.ts';

export const commands: readonly Command[] = [init, backup, snapshots, ls, restore];
