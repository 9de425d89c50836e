import { hash, verify } from '@node-rs/argon2';
import type { Config } from '../../src/config/schema.js';
import type { Flow } from '../load.js';

// Algorithm.Argon2id of @node-rs/argon2 (a const enum, which isolated modules cannot import).
const ARGON2ID = 2;

/**
 * One argon2id verification at Lanyard's parameters with the library Lanyard uses, in the
 * benchmark's own process: no HTTP, no database. Run with as many virtual users as cores, it is
 * the most password sign-ins per second this machine could do; (c) is reported against it.
 */
export async function rawVerifyFlow(params: Config['password']): Promise<Flow> {
  const password = 'correct horse battery staple';
  const phc = await hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
  return async () => {
    if (!(await verify(phc, password))) throw new Error('argon2id: verify failed');
  };
}
