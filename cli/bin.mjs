#!/usr/bin/env node
// `tokenmill` as an installed binary: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('./tokenmill.ts');
