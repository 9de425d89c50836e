import { createInterface } from 'node:readline';
import type { CliIO } from './command.js';

/**
 * Reads one line: on a terminal without echo (a password must not stay on screen or in
 * scrollback), from a pipe as it comes. null when the input ends before a line.
 */
export function readSecretLine(io: CliIO, prompt: string): Promise<string | null> {
  const terminal = Boolean(io.stdin.isTTY);
  const rl = createInterface({ input: io.stdin, output: terminal ? io.stdout : undefined, terminal });
  if (terminal) {
    io.stdout.write(prompt);
    // readline echoes typed characters through _writeToOutput; silence it for the answer.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  }
  return new Promise((resolve) => {
    let answer: string | null = null;
    rl.once('line', (line) => {
      answer = line;
      rl.close();
    });
    rl.once('close', () => {
      if (terminal) io.stdout.write('\n');
      resolve(answer);
    });
  });
}
