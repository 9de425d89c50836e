import { parseEmail } from '../accounts/email-address.js';
import type { Readable, Writable } from 'node:stream';

/** What a command may touch of the outside world; tests and the real process both supply it. */
export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
}

/** One operator command, e.g. `accounts show <email>`. */
export interface Command {
  /** The words that select it, then its arguments: `accounts show <email>`. */
  usage: string;
  summary: string;
  /** Returns the process exit code: 0 done, 1 refused or failed. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Wrong arguments: main prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure (nothing found, database not ready): main prints the message, exit code 1. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}

/** The words of `usage` that select the command (`accounts show`), without its arguments. */
export const commandWords = (c: Command) => c.usage.split(' ').filter((w) => !w.startsWith('<') && !w.startsWith('['));

/** Writes lines to a stream. */
export const say = (stream: Writable, ...lines: string[]) => stream.write(`${lines.join('\n')}\n`);

/** Exactly `count` arguments, or a UsageError naming what is missing or extra. */
export function expectArgs(args: string[], names: string[]): string[] {
  if (args.length < names.length)
    throw new UsageError(
      `missing ${names
        .slice(args.length)
        .map((n) => `<${n}>`)
        .join(' ')}`,
    );
  if (args.length > names.length) throw new UsageError(`unexpected argument "${args[names.length]}"`);
  return args;
}

/** The command's email argument, or a usage error naming it. */
export function emailArg(input: string): string {
  try {
    return parseEmail(input);
  } catch {
    throw new UsageError(`"${input}" is not an email address`);
  }
}
