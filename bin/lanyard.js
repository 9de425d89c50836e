#!/usr/bin/env node
// `npx lanyard …`: the operator CLI, run from its TypeScript source through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
