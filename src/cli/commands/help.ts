import { type Command, say } from '../command.js';

/** `help`: the commands, and where their settings come from. */
export const helpCommand = (all: () => Command[]): Command => ({
  usage: 'help',
  summary: 'Show this list.',
  async run(_args, io) {
    const width = Math.max(...all().map((c) => c.usage.length));
    say(
      io.stdout,
      'Lanyard operator commands. Usage: npx lanyard <command>',
      '',
      ...all().map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
      '',
      'Settings come from the same place as for `npm start`: lanyard.config.json (or the file named by',
      'LANYARD_CONFIG) and LANYARD_* environment variables. In embedded mode (no LANYARD_DATABASE_URL)',
      'stop the server first: the embedded database has one user at a time.',
    );
    return 0;
  },
});
